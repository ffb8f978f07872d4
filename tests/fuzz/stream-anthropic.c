/* stream-anthropic.c: a streamed answer of Anthropic's, from its bytes. */
#define PROVIDER ai_anthropic
#include "stream.h"
