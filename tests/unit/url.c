/* url.c: loopback detection and the scheme check of lib/url.c. */
#include <string.h>

#include "aitools.h"
#include "tap.h"

static void
loopback(const char *url, int want)
{
	is_int(ai_url_is_loopback(url), want, "'%s' is %sloopback", url,
	    want ? "" : "not ");
}

static void
check_ok(const char *url, int allow_http)
{
	char err[AI_ERRLEN] = "";

	is_int(ai_url_check(url, allow_http, err), 0, "'%s' accepted%s", url,
	    allow_http ? " with allow_http" : "");
	is_str(err, "", "no error for '%s'", url);
}

static void
check_bad(const char *url, int allow_http, const char *want)
{
	char err[AI_ERRLEN] = "";

	is_int(ai_url_check(url, allow_http, err), -1, "'%s' refused%s", url,
	    allow_http ? " even with allow_http" : "");
	is_str(err, want, "error for '%s'", url);
}

static void
test_loopback(void)
{
	loopback("http://127.0.0.1:8080/v1", 1);
	loopback("http://127.0.0.1/v1", 1);
	loopback("http://127.1.2.3/v1", 1);
	loopback("http://localhost:1234/v1", 1);
	loopback("http://LOCALHOST/v1", 1);
	loopback("http://[::1]:8080/v1", 1);
	loopback("https://localhost/v1", 1);
	loopback("http://user:pw@127.0.0.1/v1", 1);
	loopback("http://[0:0:0:0:0:0:0:1]/v1", 1);
	loopback("https://api.openai.com/v1", 0);
	loopback("http://10.0.0.1/v1", 0);
	loopback("http://128.0.0.1/v1", 0);
	loopback("http://localhost.example.com/v1", 0);
	loopback("http://mylocalhost/v1", 0);
	loopback("http://127.0.0.1@example.com/v1", 0);
	loopback("http://[::2]/v1", 0);
	/* DNS names that merely start with "127.": they resolve anywhere. */
	loopback("http://127.example.com/v1", 0);
	loopback("http://127.0.0.1.nip.io/v1", 0);
	loopback("", 0);
	loopback("not a url", 0);
	loopback("127.0.0.1:8080", 0);
}

static void
test_check(void)
{
	check_ok("https://api.openai.com/v1", 0);
	check_ok("https://10.1.2.3:8443/v1", 0);
	check_ok("http://127.0.0.1:8080/v1", 0);
	check_ok("http://localhost:8080/v1", 0);
	check_ok("http://[::1]:8080/v1", 0);
	check_ok("http://10.0.0.5:8000/v1", 1);
	check_ok("HTTPS://api.openai.com/v1", 0);
	check_ok("HTTP://LOCALHOST:8080/v1", 0);
	check_bad("http://api.example.com/v1", 0,
	    "refusing plain http to 'http://api.example.com/v1' "
	    "(not loopback; use --allow-http)");
	check_bad("http://127.example.com/v1", 0,
	    "refusing plain http to 'http://127.example.com/v1' "
	    "(not loopback; use --allow-http)");
	check_bad("ftp://127.0.0.1/v1", 1,
	    "unsupported scheme in 'ftp://127.0.0.1/v1'");
	check_bad("file:///etc/passwd", 1,
	    "unsupported scheme in 'file:///etc/passwd'");
	check_bad("api.openai.com/v1", 0,
	    "invalid base URL 'api.openai.com/v1'");
	check_bad("", 0, "invalid base URL ''");
	check_bad("http://", 1, "invalid base URL 'http://'");
	check_bad("https://exa mple.com/", 0,
	    "invalid base URL 'https://exa mple.com/'");
}

int
main(void)
{
	test_loopback();
	test_check();
	return done();
}
