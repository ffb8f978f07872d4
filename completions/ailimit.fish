# fish completion for ailimit(1)

# The profiles of the config file aiq finds, or of the one -c names.
function __fish_ailimit_profiles
	set -l tokens (commandline -opc)
	set -l config
	for i in (seq (count $tokens))
		if contains -- $tokens[$i] -c --config
			set config -c $tokens[(math $i + 1)]
		end
	end
	aiq $config --list-profiles 2>/dev/null
end

complete -c ailimit -n '__fish_use_subcommand' -f -a 'settle' -d 'Give back what the records drew and did not use'
complete -c ailimit -n '__fish_use_subcommand' -f -a 'estimate' -d 'What the records will draw, cost and take, nothing sent'
complete -c ailimit -n '__fish_use_subcommand' -f -a 'status' -d 'What each limit holds now'
complete -c ailimit -n '__fish_use_subcommand' -f -a 'reset' -d 'Fill the buckets of a key again'
complete -c ailimit -s h -l help -d 'Print the usage and exit'
complete -c ailimit -s V -l version -d 'Print the version and exit'
complete -c ailimit -s k -l key -x -d 'The budget, shared by every process naming it'
complete -c ailimit -s R -l resend-errors -d 'Draw for records with an error too'
complete -c ailimit -s m -l model -x -d 'Model of requests that name none'
complete -c ailimit -s s -l system -x -d 'System prompt of prompt records'
complete -c ailimit -l max-tokens -x -d 'max_tokens of requests that set none'
complete -c ailimit -l auto -d "Pace by the limits the provider's headers say"
complete -c ailimit -l rpm -x -d 'Requests a minute'
complete -c ailimit -l tpm -x -d 'Tokens a minute'
complete -c ailimit -l itpm -x -d 'Input tokens a minute'
complete -c ailimit -l otpm -x -d 'Output tokens a minute'
complete -c ailimit -l rpd -x -d 'Requests a day'
complete -c ailimit -l tpd -x -d 'Tokens a day'
complete -c ailimit -l usd-per-day -x -d 'Dollars a day'
complete -c ailimit -l prices -r -F -d 'A price table over the built-in one'
complete -c ailimit -l burst -x -a '500ms 1s 5s 10s 1m' -d 'Most at once, as a share of a minute'
complete -c ailimit -l state -r -F -d 'The shared state file'
complete -c ailimit -l wait-quota -d 'Wait for the next day when a quota is spent'
complete -c ailimit -s c -l config -r -F -d 'The config file'
complete -c ailimit -s p -l profile -x -a '(__fish_ailimit_profiles)' -d 'The limits and defaults of a profile of the config file'
complete -c ailimit -l show-config -d 'Print the settings and where each came from'
