# fish completion for aiq(1)
complete -c aiq -f

# The profiles of the config file aiq finds, or of the one -c names.
function __fish_aiq_profiles
	set -l tokens (commandline -opc)
	set -l config
	for i in (seq (count $tokens))
		if contains -- $tokens[$i] -c --config
			set config -c $tokens[(math $i + 1)]
		end
	end
	aiq $config --list-profiles 2>/dev/null
end
complete -c aiq -s c -l config -r -F -d 'The config file'
complete -c aiq -s H -l header -x -d 'Add an HTTP header to every request'
complete -c aiq -s h -l help -d 'Print the usage and exit'
complete -c aiq -s J -l json -d 'Read JSON records from stdin'
complete -c aiq -s j -l jobs -x -d 'Requests in flight at once (default 8)'
complete -c aiq -s l -l lines -d 'Read one prompt a line from stdin'
complete -c aiq -s m -l model -x -d 'Model for requests that name none'
complete -c aiq -s P -l provider -x -a 'openai anthropic claude' -d 'Send every request to this provider'
complete -c aiq -s p -l profile -x -a '(__fish_aiq_profiles)' -d 'The settings of a profile of the config file'
complete -c aiq -s R -l resend-errors -d 'Send again records that carry an error'
complete -c aiq -s s -l system -x -d 'System message for prompts'
complete -c aiq -s T -l timeout -x -d 'Give up on an attempt after this long'
complete -c aiq -s t -l temperature -x -d 'Sampling temperature, 0 to 2'
complete -c aiq -s u -l unordered -d 'Write records in completion order'
complete -c aiq -s V -l version -d 'Print the version and exit'
complete -c aiq -l allow-http -d 'Allow plain http to a host that is not loopback'
complete -c aiq -l base-url -x -d 'API base URL'
complete -c aiq -l deadline -x -d 'Most time for a record, retries included'
complete -c aiq -l key-command -x -a '(__fish_complete_command)' -d 'Command that prints the API key'
complete -c aiq -l key-file -r -F -d 'File holding the API key'
complete -c aiq -l list-profiles -d 'Print the config file'"'"'s profiles and exit'
complete -c aiq -l log-content -d 'Store prompts and answers in the usage log'
complete -c aiq -l max-attempts -x -d 'Attempts per record (default 3)'
complete -c aiq -l max-tokens -x -d 'max_tokens for requests that set none'
complete -c aiq -l max-buffer -x -d 'Memory all answers in flight may hold'
complete -c aiq -l max-response -x -d 'Largest answer taken'
complete -c aiq -s n -l no-stdin -d 'Do not read stdin in text mode'
complete -c aiq -l no-progress -d 'No progress line'
complete -c aiq -l progress -d 'A progress line even off a terminal'
complete -c aiq -l resume -r -F -d 'Pass through the answers of an earlier output'
complete -c aiq -l max-wait -x -d 'Longest wait between attempts (default 60s)'
complete -c aiq -l no-stream -d 'Never stream'
complete -c aiq -l no-usage-log -d 'Do not write the usage log'
complete -c aiq -l service -x -d 'Tag records and usage log rows with a name'
complete -c aiq -l tag -x -d 'Tag records and usage log rows with name=value'
complete -c aiq -l show-config -d 'Print the settings and where each came from'
complete -c aiq -l stream -d 'Stream every request'
complete -c aiq -l summary -d 'Print the summary line even when all succeeded'
complete -c aiq -l usage-log -r -F -d 'Usage log database'
