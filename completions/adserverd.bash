# bash completion for adserverd: commands and every --setting flag, both
# read from `adserverd --help` (whose command list is main.c's command
# table), so the completion never falls behind the binary.
_adserverd() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    if [[ $cur == -* ]]; then
        local flags
        flags=$(adserverd --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$flags -c" -- "$cur")
    else
        local cmds
        cmds=$(adserverd --help 2>/dev/null |
            awk '/^commands:/ { c = 1; next } c && /^$/ { exit } c && /^  [a-z]/ { print $1 }')
        mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
    fi
}
complete -o default -F _adserverd adserverd
