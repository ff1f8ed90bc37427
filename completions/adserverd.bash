# bash completion for adserverd: commands and every --setting flag (taken
# from `adserverd --help`, so it never falls behind the binary).
_adserverd() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    if [[ $cur == -* ]]; then
        local flags
        flags=$(adserverd --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)
        COMPREPLY=($(compgen -W "$flags -c" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "serve migrate seed-demo check-config" -- "$cur"))
    fi
}
complete -o default -F _adserverd adserverd
