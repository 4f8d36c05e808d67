/* sd_notify when built with libsystemd and run under systemd; no-ops otherwise. */
#ifndef REFLECTD_NOTIFY_H
#define REFLECTD_NOTIFY_H

void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_status(const char *);

#endif
