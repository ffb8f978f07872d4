/* answer-openai.c: a plain answer of Openai's, from its bytes. */
#define PROVIDER ai_openai
#include "answer.h"
