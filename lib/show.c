/*
 * show.c: the lines of --show-config, one shape in every tool: a
 * setting's name, its value (made safe to show) and where it came from:
 * a flag, the config file's FILE:LINE, a variable, the default.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

/* The line of one setting, into buf; no blanks trail it. */
const char *
ai_show_line(char *buf, size_t size, const char *name, const char *value,
    const char *from)
{
	char shown[256];

	value = value != NULL ? ai_text_show(shown, sizeof(shown), value) : "-";
	if (from == NULL || *from == '\0')
		snprintf(buf, size, "%-18s %s\n", name, value);
	else
		snprintf(buf, size, "%-18s %-40s %s\n", name, value, from);
	return buf;
}

/*
 * Where a setting came from: the flag given (its name, or NULL), else
 * the profile's key, as FILE:LINE, else other.
 */
const char *
ai_show_from(const struct ai_config *cf, const struct ai_profile *p,
    const char *flag, const char *key, const char *other, char *buf,
    size_t size)
{
	if (flag != NULL) {
		snprintf(buf, size, "flag %s", flag);
		return buf;
	}
	if (p != NULL && key != NULL && ai_config_where(cf, p, key, buf,
	    size) != NULL)
		return buf;
	return other;
}

/* A variable's name when it is set and not empty, else NULL. */
const char *
ai_show_var(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? name : NULL;
}

/* A duration as it may be written: 2000ms, 30s, 90m, 2h, 1d; 0: none. */
const char *
ai_show_ms(int64_t ms, char *buf, size_t size)
{
	static const struct { int64_t ms; const char *unit; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};
	size_t i;

	if (ms <= 0)
		return "none";
	for (i = 0; ms % units[i].ms != 0; i++)
		continue;
	snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms),
	    units[i].unit);
	return buf;
}

/*
 * The first reading of argv, for -c and -p alone (and -h or -V, which
 * need no config file): a tool reads its config file and profile before
 * its other flags, which then override them.  getopt is reset for the
 * real reading.  Returns 1 when -h or -V was given.
 */
int
ai_opt_prescan(int argc, char **argv, const char *optstring,
    const struct option *longopts, const char **config, const char **profile)
{
	int c, help = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (c == 'c')
			*config = optarg;
		else if (c == 'p')
			*profile = optarg;
		else if (c == 'h' || c == 'V')
			help = 1;
	opterr = 1;
	optind = 0;		/* the real reading starts afresh */
	return help;
}

/* A value as shown: a string as it is, else compact JSON, into buf. */
const char *
ai_show_value(const json_t *v, char *buf, size_t size)
{
	size_t n;

	if (json_is_string(v))
		return json_string_value(v);
	n = json_dumpb(v, buf, size - 1, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));
	if (n == 0 || n > size - 1)
		snprintf(buf, size, "(too long to show)");
	else
		buf[n] = '\0';
	return buf;
}

/*
 * Where the profile set a request parameter k (params.K, or temperature
 * and max_tokens of their own) or a tag k (tags.K, purpose, or its name
 * as "profile"), as FILE:LINE; "" when it did not.  A flag setting it is
 * the caller's to tell first.
 */
const char *
ai_show_set_by(const struct ai_config *cf, const struct ai_profile *p,
    int tag, const char *k, char *buf, size_t size)
{
	char key[160];

	if (p == NULL)
		return "";
	snprintf(key, sizeof(key), "%s.%s", tag ? "tags" : "params", k);
	if (ai_config_where(cf, p, key, buf, size) != NULL)
		return buf;
	if (!tag && ai_config_where(cf, p, k, buf, size) != NULL)
		return buf;
	if (tag && ((strcmp(k, "purpose") == 0 && ai_config_where(cf, p,
	    "purpose", buf, size) != NULL) || (strcmp(k, "profile") == 0 &&
	    ai_config_where(cf, p, "name", buf, size) != NULL)))
		return buf;
	return "";
}
