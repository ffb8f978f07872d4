/*
 * url.c: base URLs of --base-url and of OPENAI_BASE_URL and the like.
 * The first byte says whether plain http is allowed.  A URL accepted
 * without it is https or loopback.
 */
#include <strings.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, err[AI_ERRLEN];
	int allow, loop;

	if (size == 0)
		return 0;
	allow = data[0] & 1;
	s = fuzz_str(data + 1, size - 1);
	loop = ai_url_is_loopback(s);
	FUZZ_ASSERT(loop == 0 || loop == 1);
	if (ai_url_check(s, allow, err) == 0 && !allow)
		FUZZ_ASSERT(loop || strncasecmp(s, "https:", 6) == 0);
	free(s);
	return 0;
}
