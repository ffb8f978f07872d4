/* stream-openai.c: a streamed answer of Openai's, from its bytes. */
#define PROVIDER ai_openai
#include "stream.h"
