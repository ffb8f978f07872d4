/*
 * usagerecord.c: a line of records as aiusage reads it
 * (cmd/aiusage/fromrecords.c): with no filter, and with a time range, a
 * model filter and a --by field:PATH.  A call read has counts and times
 * that can be summed.
 */
#include "fuzz.h"
#include "aiusage.h"

static void
parse(struct parser *r, const struct opts *o, const char *line, size_t len)
{
	struct parsed out;
	const struct ai_usage *u = &out.c.usage;

	parse_record(r, o, line, len, &out);
	FUZZ_ASSERT(out.kind >= PARSED_CALL && out.kind <= PARSED_UNSENT);
	if (out.kind != PARSED_CALL)
		return;
	FUZZ_ASSERT(out.c.status != NULL);
	FUZZ_ASSERT(out.c.ts_ms >= 0);
	FUZZ_ASSERT(out.c.tier >= 0 && out.c.tier < AI_TIERS);
	FUZZ_ASSERT(u->input >= 0 && u->output >= 0 && u->cached >= 0 &&
	    u->cache_write >= 0 && u->cache_write_1h >= 0 &&
	    u->reasoning >= 0);
	FUZZ_ASSERT(u->input <= 4 * AI_MAX_TOKENS &&
	    u->output <= 4 * AI_MAX_TOKENS);
	FUZZ_ASSERT(!out.c.no_usage || (u->input == 0 && u->output == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parser *r;
	struct opts o;
	char *line;

	if (r == NULL)
		r = parser_new();	/* kept, as aiusage's threads keep it */
	line = fuzz_str(data, size);	/* read lines end in a NUL */
	memset(&o, 0, sizeof(o));
	parse(r, &o, line, size);
	o.since_ms = INT64_C(1767225600000);	/* 2026 */
	o.until_ms = INT64_C(1798761600000);
	o.model = "gpt-4o-mini";
	o.field = "aitools.tags.team";
	parse(r, &o, line, size);
	free(line);
	return 0;
}
