# fish completion for aicache(1): the command, then the options of that
# command alone, as its synopsis has them.
complete -c aicache -f

# The profiles of the config file aiq finds, or of the one -c names.
function __fish_aicache_profiles
	set -l tokens (commandline -opc)
	set -l config
	for i in (seq (count $tokens))
		if contains -- $tokens[$i] -c --config
			set config -c $tokens[(math $i + 1)]
		end
	end
	aiq $config --list-profiles 2>/dev/null
end
set -l cmds get put key stats purge vacuum export import
set -l none "not __fish_seen_subcommand_from $cmds"
complete -c aicache -n $none -a get -d 'Answer records from the cache'
complete -c aicache -n $none -a put -d 'Store the answers of records'
complete -c aicache -n $none -a key -d 'Print the cache key of each record'
complete -c aicache -n $none -a stats -d 'Print what the cache holds and saved'
complete -c aicache -n $none -a purge -d 'Remove entries'
complete -c aicache -n $none -a vacuum -d 'Give the space of removed entries back'
complete -c aicache -n $none -a export -d 'Write the entries as JSON lines'
complete -c aicache -n $none -a import -d 'Read entries written by export'
complete -c aicache -n $none -s V -l version -d 'Print the version and exit'
complete -c aicache -s h -l help -d 'Print the help and exit'

set -l file '__fish_seen_subcommand_from get put stats purge vacuum export import'
set -l request '__fish_seen_subcommand_from get put key'
set -l get '__fish_seen_subcommand_from get'
set -l put '__fish_seen_subcommand_from put'
set -l purge '__fish_seen_subcommand_from purge'
complete -c aicache -n $file -s f -l cache -r -F -d 'The cache file'
complete -c aicache -n '__fish_seen_subcommand_from get put' -s n -l namespace -x -d 'The namespace of the entries'
complete -c aicache -n '__fish_seen_subcommand_from stats purge export' -s n -l namespace -x -d 'Only this namespace'
complete -c aicache -n $request -s m -l model -x -d 'Model of requests that name none'
complete -c aicache -n $purge -s m -l model -x -d 'Remove the entries of this model'
complete -c aicache -n $request -s P -l provider -x -a 'openai anthropic claude' -d 'The provider requests go to'
complete -c aicache -n $request -s s -l system -x -d 'The system prompt aiq adds'
complete -c aicache -n $request -s t -l temperature -x -d 'The temperature aiq adds'
complete -c aicache -n $request -l base-url -x -d 'The base URL requests go to'
complete -c aicache -n $request -l max-tokens -x -d 'The max_tokens aiq adds'
complete -c aicache -n '__fish_seen_subcommand_from get put' -l batch -x -d 'Records a transaction'
complete -c aicache -n '__fish_seen_subcommand_from key' -l canonical -d 'Also print what the key digests'
complete -c aicache -n $get -l deterministic -d 'Look up only temperature 0 or seeded requests'
complete -c aicache -n $put -l deterministic -d 'Store only temperature 0 or seeded requests'
complete -c aicache -n $get -l fail-open -d 'Pass records through when the cache fails'
complete -c aicache -n $put -l fail-open -d 'Exit 0 even when the cache fails'
complete -c aicache -n $put -l max-size -x -d 'Most bytes of answers held'
complete -c aicache -n $get -l no-usage-log -d 'Do not log hits'
complete -c aicache -n $get -l tag -x -d 'Tag the hits'
complete -c aicache -n $get -l ttl -x -d 'Use only entries younger than this'
complete -c aicache -n $put -l ttl -x -d 'Lifetime of the entries stored'
complete -c aicache -n $purge -l all -d 'Remove every entry, then vacuum'
complete -c aicache -n $purge -l expired -d 'Remove expired entries'
complete -c aicache -n $purge -l older-than -x -d 'Remove entries older than this'
complete -c aicache -n $request -s c -l config -r -F -d 'The config file'
complete -c aicache -n $request -s p -l profile -x -a '(__fish_aicache_profiles)' -d 'The settings of a profile of the config file'
complete -c aicache -n $request -l show-config -d 'Print the settings and where each came from'
