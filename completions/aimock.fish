# fish completion for aimock(1)
complete -c aimock -f
complete -c aimock -s b -l bind -x -d 'IPv4 address to listen on'
complete -c aimock -s d -l latency -x -d 'Delay before every response (ms or min-max)'
complete -c aimock -s h -l help -d 'Print the usage and exit'
complete -c aimock -s L -l log -r -F -d 'Append a JSON line per request to file'
complete -c aimock -s p -l port -x -d 'Port to listen on, 0 for any'
complete -c aimock -s r -l reply -x -d 'Fixed assistant reply instead of the echo'
complete -c aimock -s s -l status -x -a '200 400 401 403 404 429 500 503' -d 'HTTP status of every response'
complete -c aimock -s V -l version -d 'Print the version and exit'
