# bash completion for ctvctl (install as /usr/share/bash-completion/completions/ctvctl)
#
# Commands, verbs, options and values are listed here (tests/integration/
# t405_ctvctl_docs checks them against `ctvctl --list-commands` and
# `--list-options`); campaign and creative ids come from the server through
# ctvctl itself (`ctvctl -q campaigns list`), with the --server of the line.

_ctvctl_run() {
    local i args=()
    for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
        case ${COMP_WORDS[i]} in
        --server | -s) args+=(--server "${COMP_WORDS[i + 1]}") ;;
        --server=*) args+=("${COMP_WORDS[i]}") ;;
        esac
    done
    ctvctl "${args[@]}" --timeout 3 -q "$@" 2>/dev/null
}

_ctvctl_campaign_ids() {
    _ctvctl_run campaigns list
}

_ctvctl_creative_ids() {
    local c
    for c in $(_ctvctl_run campaigns list); do
        _ctvctl_run creatives list "$c"
    done
}

_ctvctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local global="--server -s --timeout --json --quiet -q --color --no-color --help -h --version -V"
    local nouns="login logout whoami campaigns creatives analytics targeting caps pacing advertiser tag explain vast health version"
    local noun="" verb="" i w npos=0
    local writeopts="--file -f --name --description --budget --start-date --end-date --pricing-model --cpm-rate --cpc-rate --cpv-rate"

    # find the noun, the verb and how many positional words follow them
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --server | -s | --timeout | --file | -f | --email | -e | --name | --description | --budget | \
            --start-date | --end-date | --pricing-model | --cpm-rate | --cpc-rate | --cpv-rate | \
            --status | --page | --limit | --duration | --width | --height | --content-type | \
            --wait-timeout | --countries | --regions | --dmas | --device-types | --os | --app-bundles | \
            --content-genres | --content-ratings | --content-categories | --livestream | --per-hour | \
            --per-day | --per-week | --mode | --time-zone | --priority | --weight | --domain | \
            --iab-categories | --click-through-url | --schema)
            ((i++)) ;;
        -*) ;;
        *)
            if [[ -z $noun ]]; then
                noun=$w
            elif [[ -z $verb && $noun =~ ^(campaigns|creatives|analytics|targeting|caps|pacing|advertiser|vast)$ ]]; then
                verb=$w
            else
                ((npos++))
            fi
            ;;
        esac
    done

    case $prev in
    --server | -s) COMPREPLY=($(compgen -W "http://127.0.0.1:3000" -- "$cur")); return ;;
    --file | -f) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --schema) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --pricing-model) COMPREPLY=($(compgen -W "cpm cpc cpv flat" -- "$cur")); return ;;
    --livestream) COMPREPLY=($(compgen -W "any only never" -- "$cur")); return ;;
    --mode) COMPREPLY=($(compgen -W "even asap" -- "$cur")); return ;;
    --status)
        if [[ $noun == campaigns ]]; then
            COMPREPLY=($(compgen -W "draft active paused completed" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "active inactive processing failed" -- "$cur"))
        fi
        return ;;
    --timeout | --email | -e | --name | --description | --budget | --start-date | --end-date | \
        --cpm-rate | --cpc-rate | --cpv-rate | --page | --limit | --duration | --width | --height | \
        --content-type | --wait-timeout | --countries | --regions | --dmas | --device-types | --os | \
        --app-bundles | --content-genres | --content-ratings | --content-categories | --per-hour | \
        --per-day | --per-week | --time-zone | --priority | --weight | --domain | --iab-categories | \
        --click-through-url)
        return ;;
    esac

    if [[ -z $noun ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$nouns" -- "$cur"))
        fi
        return
    fi

    local verbs="" opts="" pos=""
    case $noun in
    campaigns)
        verbs="list get create update status delete stats trackers"
        case $verb in
        trackers)
            [[ $npos == 0 ]] && { COMPREPLY=($(compgen -W "get set" -- "$cur")); return; }
            [[ $npos == 1 && $cur != -* ]] && { COMPREPLY=($(compgen -W "$(_ctvctl_campaign_ids)" -- "$cur")); return; }
            opts="--file -f" ;;
        list) opts="--status --start-date --end-date --page --limit" ;;
        create) opts=$writeopts ;;
        update) opts=$writeopts; pos=campaign ;;
        delete) opts="--hard"; pos=campaign ;;
        get | stats) pos=campaign ;;
        status) pos=campaign
            [[ $npos == 1 ]] && { COMPREPLY=($(compgen -W "draft active paused completed" -- "$cur")); return; } ;;
        esac ;;
    creatives)
        verbs="list get upload update status delete stats media trackers verifications"
        case $verb in
        trackers | verifications)
            [[ $npos == 0 ]] && { COMPREPLY=($(compgen -W "get set" -- "$cur")); return; }
            [[ $npos == 1 && $cur != -* ]] && { COMPREPLY=($(compgen -W "$(_ctvctl_creative_ids)" -- "$cur")); return; }
            opts="--file -f" ;;
        list) opts="--status"; pos=campaign ;;
        upload) opts="--name --duration --width --height --content-type --wait --wait-timeout --no-progress"
            pos=campaign
            [[ $npos == 1 && $cur != -* ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
        update) opts="--file -f --name --status --duration"; pos=creative ;;
        status) pos=creative
            [[ $npos == 1 ]] && { COMPREPLY=($(compgen -W "active inactive" -- "$cur")); return; } ;;
        media) opts="--wait --wait-timeout"; pos=creative ;;
        get | delete | stats) pos=creative ;;
        esac ;;
    analytics)
        verbs="summary campaign"
        opts="--start-date --end-date"
        [[ $verb == campaign ]] && pos=campaign ;;
    targeting)
        verbs="get set"; pos=campaign
        [[ $verb == set ]] && opts="--file -f --countries --regions --dmas --device-types --os --app-bundles --content-genres --content-ratings --content-categories --livestream" ;;
    caps)
        verbs="get set"; pos=campaign
        [[ $verb == set ]] && opts="--file -f --per-hour --per-day --per-week" ;;
    pacing)
        verbs="get set"; pos=campaign
        [[ $verb == set ]] && opts="--file -f --mode --time-zone --priority --weight" ;;
    advertiser)
        verbs="get set"; pos=campaign
        [[ $verb == set ]] && opts="--file -f --domain --iab-categories --click-through-url" ;;
    vast)
        verbs="fetch"
        opts="--schema" ;;
    login) opts="--email -e --password-stdin" ;;
    tag) opts="--vast --vmap"; pos=campaign ;;
    esac

    if [[ -n $verbs && -z $verb ]]; then
        COMPREPLY=($(compgen -W "$verbs --help" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
        return
    fi
    if [[ $npos == 0 && $pos == campaign ]]; then
        COMPREPLY=($(compgen -W "$(_ctvctl_campaign_ids)" -- "$cur"))
    elif [[ $npos == 0 && $pos == creative ]]; then
        COMPREPLY=($(compgen -W "$(_ctvctl_creative_ids)" -- "$cur"))
    fi
}
complete -F _ctvctl ctvctl
