/*
 * daemon.h - `khaalga serve`: the configuration loaded and checked, the
 * gateway built, the HTTP ingress, the spool-folder ingress and the delivery
 * loop started; SIGHUP reloads the configuration (a bad one is refused and
 * the running one kept), SIGTERM and SIGINT stop after the messages in
 * flight. Log lines are JSON on stderr.
 */
#ifndef KHAALGA_SERVE_DAEMON_H
#define KHAALGA_SERVE_DAEMON_H

/* Runs until stopped; returns the exit status (DESIGN.md). */
int kh_serve(const char *config_path);

/* Loads and checks the configuration and everything it names (profile,
 * trust domains, signing key, journal); prints what is wrong. Exit status. */
int kh_serve_check_config(const char *config_path);

#endif
