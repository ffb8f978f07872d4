/*
 * wait.c: every wait of aimock (latency, pauses between events, hung
 * connections) polls one pipe whose write end main closes on SIGINT or
 * SIGTERM, so that the daemon stops at once however long it was told to
 * wait.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "aimock.h"

static int stopfd[2] = { -1, -1 };

int
wait_init(void)
{
	if (pipe(stopfd) == -1)
		return -1;
	if (fcntl(stopfd[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(stopfd[1], F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

/* Wakes every waiting thread, now and for good: the pipe reads EOF. */
void
wait_stop(void)
{
	if (stopfd[1] != -1)
		close(stopfd[1]);
	stopfd[1] = -1;
}

/*
 * Sleeps ms milliseconds in this connection's thread.  Returns 0, or -1
 * if aimock is stopping (or poll fails) and the caller should give up.
 */
int
mock_sleep(long ms)
{
	struct pollfd pfd = { .fd = stopfd[0], .events = POLLIN };
	int64_t end, left;
	int n;

	end = ai_mono_us() + (int64_t)ms * 1000;
	for (;;) {
		left = (end - ai_mono_us() + 999) / 1000;
		n = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (n == 0 && left <= 0)
			return 0;
		if (n > 0 || (n == -1 && errno != EINTR))
			return -1;
	}
}

/* Whether aimock is stopping, for work that does not wait. */
int
stopping(void)
{
	return mock_sleep(0) == -1;
}

/* Whether the client closed its end of the connection. */
static int
client_gone(int fd)
{
	ssize_t n;
	char c;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR);
}

/*
 * The hang fault: never answer.  The thread looks every HANG_POLL ms
 * whether the client gave up or aimock is stopping, and then returns so
 * the connection can be closed.
 */
void
hang(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	while (mock_sleep(HANG_POLL) == 0)
		if (ci != NULL && client_gone(ci->connect_fd))
			return;
}
