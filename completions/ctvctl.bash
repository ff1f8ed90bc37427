# bash completion for ctvctl (install as /usr/share/bash-completion/completions/ctvctl)
_ctvctl() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    COMPREPLY=($(compgen -W "--help --version version" -- "$cur"))
}
complete -F _ctvctl ctvctl
