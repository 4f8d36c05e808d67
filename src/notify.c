/*
 * sd_notify(3) when built with libsystemd; no-ops otherwise, and harmless
 * when not started by systemd (NOTIFY_SOCKET unset).
 */
#include "autoconf.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

static void
notify_send(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notify(0, state);
#else
	(void)state;
#endif
}

void
notify_ready(void)
{
	notify_send("READY=1\nSTATUS=running");
}

void
notify_reloading(void)
{
	notify_send("RELOADING=1");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *status)
{
#ifdef HAVE_LIBSYSTEMD
	(void)sd_notifyf(0, "STATUS=%s", status);
#else
	(void)status;
#endif
}
