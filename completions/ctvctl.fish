# fish completion for ctvctl
complete -c ctvctl -f
complete -c ctvctl -s h -l help -d 'show help'
complete -c ctvctl -s V -l version -d 'show the version'
complete -c ctvctl -n '__fish_use_subcommand' -a version -d 'show the version'
