# bash completion for aimock(1)
_aimock()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-L|--log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-b|--bind|-d|--latency|-p|--port|-r|--reply|-s|--status)
		return
		;;
	esac
	COMPREPLY=($(compgen -W '-b --bind -d --latency -h --help -L --log
	    -p --port -r --reply -s --status -V --version' -- "$cur"))
}
complete -o filenames -F _aimock aimock
