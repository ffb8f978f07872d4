/* answer-anthropic.c: a plain answer of Anthropic's, from its bytes. */
#define PROVIDER ai_anthropic
#include "answer.h"
