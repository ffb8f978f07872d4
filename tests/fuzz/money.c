/*
 * money.c: dollar amounts as price tables and --budget give them, read
 * exactly; an amount read must read back the same from its six-decimal
 * form.  The bytes are also summed as picodollar costs and shown to every
 * number of decimals.
 */
#include "fuzz.h"

static void
sum(const uint8_t *data, size_t size)
{
	struct ai_money m = { 0, 0 };
	char out[64];
	int64_t pico;
	int d;

	for (; size >= 8; data += 8, size -= 8) {
		memcpy(&pico, data, 8);
		ai_money_add(&m, pico);
		FUZZ_ASSERT(m.pico >= 0 && m.pico < 1000000);
	}
	for (d = -1; d <= 7; d++)
		ai_money_format(&m, d, out, sizeof(out));
	(void)ai_money_micro(&m);
	(void)ai_money_dollars(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_money m = { 0, 0 };
	char *s = fuzz_str(data, size), out[64];
	int64_t micro, again;

	if (ai_money_parse(s, &micro) == 0) {
		FUZZ_ASSERT(micro >= 0);
		m.micro = micro;
		ai_money_format(&m, 6, out, sizeof(out));
		FUZZ_ASSERT(ai_money_parse(out, &again) == 0 && again == micro);
		FUZZ_ASSERT(ai_money_micro(&m) == micro);
	}
	free(s);
	if (size <= 8 * 64)
		sum(data, size);
	return 0;
}
