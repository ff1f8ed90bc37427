# fish completion for ctvctl (install as .../fish/vendor_completions.d/ctvctl.fish)
#
# Commands, verbs and options are listed here (tests/integration/
# t405_ctvctl_docs checks them against `ctvctl --list-commands` and
# `--list-options`); campaign and creative ids come from the server through
# ctvctl itself (`ctvctl -q campaigns list`).

function __ctvctl_ids
    set -l srv
    set -l toks (commandline -opc)
    set -l i (contains -i -- --server $toks)
    and set srv --server $toks[(math $i + 1)]
    if test "$argv[1]" = campaign
        ctvctl $srv --timeout 3 -q campaigns list 2>/dev/null
    else
        for c in (ctvctl $srv --timeout 3 -q campaigns list 2>/dev/null)
            ctvctl $srv --timeout 3 -q creatives list $c 2>/dev/null
        end
    end
end

# true when the words so far are: ctvctl <noun> [<verb>] and nothing positional yet
function __ctvctl_at
    set -l toks (commandline -opc)
    set -l words
    for t in $toks[2..-1]
        switch $t
            case '-*'
            case '*'
                set words $words $t
        end
    end
    test "$words" = "$argv"
end

set -l nouns login logout whoami campaigns creatives analytics targeting caps pacing advertiser tag explain vast health version
complete -c ctvctl -f

# global options
complete -c ctvctl -s s -l server -r -d 'admin API base URL'
complete -c ctvctl -l timeout -r -d 'per-request timeout (seconds)'
complete -c ctvctl -l json -d "print the API's JSON answer unchanged"
complete -c ctvctl -s q -l quiet -d 'print ids only'
complete -c ctvctl -l color -d 'colour even when not on a TTY'
complete -c ctvctl -l no-color -d 'never colour'
complete -c ctvctl -s h -l help -d 'show help'
complete -c ctvctl -s V -l version -d 'print the version'

# commands
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a login -d 'log in and store the tokens'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a logout -d 'revoke the tokens and forget them'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a whoami -d 'show the logged-in user'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a campaigns -d 'manage campaigns'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a creatives -d 'manage creatives'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a analytics -d 'delivery numbers'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a targeting -d "a campaign's targeting"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a caps -d "a campaign's frequency caps"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a pacing -d "a campaign's pacing"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a advertiser -d "a campaign's advertiser settings"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a tag -d "a campaign's VAST/VMAP tag URLs"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a explain -d 'trace an ad decision'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a vast -d 'check VAST/VMAP documents'
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a health -d "check the server's health"
complete -c ctvctl -n "not __fish_seen_subcommand_from $nouns" -a version -d 'print the versions'

# verbs
complete -c ctvctl -n '__ctvctl_at campaigns' -a 'list get create update status delete stats trackers'
complete -c ctvctl -n '__ctvctl_at creatives' -a 'list get upload update status delete stats media trackers verifications'
for nv in 'campaigns trackers' 'creatives trackers' 'creatives verifications'
    complete -c ctvctl -n "__ctvctl_at $nv" -a 'get set'
end
complete -c ctvctl -n '__ctvctl_at analytics' -a 'summary campaign'
complete -c ctvctl -n '__ctvctl_at vast' -a fetch
for n in targeting caps pacing advertiser
    complete -c ctvctl -n "__ctvctl_at $n" -a 'get set'
end

# ids
for nv in 'campaigns get' 'campaigns update' 'campaigns status' 'campaigns delete' 'campaigns stats' \
        'creatives list' 'creatives upload' 'analytics campaign' 'targeting get' 'targeting set' \
        'caps get' 'caps set' 'pacing get' 'pacing set' 'advertiser get' 'advertiser set' tag
    complete -c ctvctl -n "__ctvctl_at $nv" -a '(__ctvctl_ids campaign)'
end
for nv in 'campaigns trackers get' 'campaigns trackers set'
    complete -c ctvctl -n "__ctvctl_at $nv" -a '(__ctvctl_ids campaign)'
end
for nv in 'creatives trackers get' 'creatives trackers set' 'creatives verifications get' \
        'creatives verifications set'
    complete -c ctvctl -n "__ctvctl_at $nv" -a '(__ctvctl_ids creative)'
end
for nv in 'creatives get' 'creatives update' 'creatives status' 'creatives delete' 'creatives stats' 'creatives media'
    complete -c ctvctl -n "__ctvctl_at $nv" -a '(__ctvctl_ids creative)'
end

# options of commands
complete -c ctvctl -n '__fish_seen_subcommand_from login' -s e -l email -r -d 'account e-mail'
complete -c ctvctl -n '__fish_seen_subcommand_from login' -l password-stdin -d 'read the password from stdin'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns creatives targeting caps pacing advertiser' -s f -l file -r -F -d 'JSON body from a file'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns creatives' -l name -r -d name
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l description -r -d description
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l budget -r -d 'total budget'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns analytics' -l start-date -r -d 'start date'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns analytics' -l end-date -r -d 'end date'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l pricing-model -x -a 'cpm cpc cpv flat' -d 'pricing model'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l cpm-rate -r -d 'CPM rate'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l cpc-rate -r -d 'CPC rate'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l cpv-rate -r -d 'CPV rate'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l status -x -a 'draft active paused completed' -d status
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l status -x -a 'active inactive processing failed' -d status
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l page -r -d 'page number'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l limit -r -d 'page size'
complete -c ctvctl -n '__fish_seen_subcommand_from campaigns' -l hard -d 'remove the row'
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l duration -r -d seconds
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l width -r -d pixels
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l height -r -d pixels
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l content-type -r -d 'declared type'
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l wait -d 'wait until active or failed'
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l wait-timeout -r -d 'longest wait'
complete -c ctvctl -n '__fish_seen_subcommand_from creatives' -l no-progress -d 'no progress bar'
complete -c ctvctl -n '__ctvctl_at creatives upload' -F
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l countries -r -d 'country codes'
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l regions -r -d regions
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l dmas -r -d 'DMA codes'
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l device-types -r -d 'device types'
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l os -r -d 'operating systems'
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l app-bundles -r -d 'app bundles'
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l content-genres -r -d genres
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l content-ratings -r -d ratings
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l content-categories -r -d categories
complete -c ctvctl -n '__fish_seen_subcommand_from targeting' -l livestream -x -a 'any only never' -d 'live content'
complete -c ctvctl -n '__fish_seen_subcommand_from caps' -l per-hour -r -d 'per hour'
complete -c ctvctl -n '__fish_seen_subcommand_from caps' -l per-day -r -d 'per day'
complete -c ctvctl -n '__fish_seen_subcommand_from caps' -l per-week -r -d 'per week'
complete -c ctvctl -n '__fish_seen_subcommand_from pacing' -l mode -x -a 'even asap' -d mode
complete -c ctvctl -n '__fish_seen_subcommand_from pacing' -l time-zone -r -d 'IANA zone'
complete -c ctvctl -n '__fish_seen_subcommand_from pacing' -l priority -r -d '1..10'
complete -c ctvctl -n '__fish_seen_subcommand_from pacing' -l weight -r -d '1..1000000'
complete -c ctvctl -n '__fish_seen_subcommand_from advertiser' -l domain -r -d domain
complete -c ctvctl -n '__fish_seen_subcommand_from advertiser' -l iab-categories -r -d 'IAB categories'
complete -c ctvctl -n '__fish_seen_subcommand_from advertiser' -l click-through-url -r -d URL
complete -c ctvctl -n '__fish_seen_subcommand_from tag' -l vast -d 'only the VAST URL'
complete -c ctvctl -n '__fish_seen_subcommand_from tag' -l vmap -d 'only the VMAP URL'
complete -c ctvctl -n '__fish_seen_subcommand_from vast' -l schema -x -a '(__fish_complete_directories)' -d 'IAB XSD folder'
