/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commands.h - every command handler and option table, one block per command-group file.
 * Handlers of CLI_TRANSFER commands are weak: berth does not link them and execs
 * berth-transfer instead (see main.c).
 */
#ifndef BERTH_CLI_COMMANDS_H
#define BERTH_CLI_COMMANDS_H

#include <stdint.h>

#include "cli/cli.h"

#define TRANSFER_HANDLER __attribute__((weak))

/* generate.c */
extern const struct cli_option cmd_generate_systemd_options[];
int cmd_generate_systemd(struct berth_ctx *ctx, struct cli_args *args);

/* service.c (api): system service execs berth-api */
extern const struct cli_option cmd_system_service_options[];
int cmd_system_service(struct berth_ctx *ctx, struct cli_args *args);

/* system.c */
extern const struct cli_option cmd_version_options[];
int cmd_version(struct berth_ctx *ctx, struct cli_args *args);

/* src/transfer/ (berth-transfer): registry and image transports; option tables in
 * transfer/options.h */
TRANSFER_HANDLER int cmd_copy(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_inspect_remote(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_manifest_inspect(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_login(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_logout(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_search(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_pull(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_push(struct berth_ctx *ctx, struct cli_args *args);

/* images.c, image_system.c (store): local image and store commands */
extern const struct cli_option cmd_images_options[];
extern const struct cli_option cmd_image_inspect_options[];
extern const struct cli_option cmd_history_options[];
extern const struct cli_option cmd_rmi_options[];
extern const struct cli_option cmd_image_prune_options[];
extern const struct cli_option cmd_import_options[];
extern const struct cli_option cmd_system_check_options[];
extern const struct cli_option cmd_system_df_options[];
extern const struct cli_option cmd_system_prune_options[];
extern const struct cli_option cmd_system_reset_options[];
extern const struct cli_option cmd_events_options[];
extern const struct cli_option cmd_info_options[];
int cmd_images(struct berth_ctx *ctx, struct cli_args *args);
int cmd_image_inspect(struct berth_ctx *ctx, struct cli_args *args);
int cmd_history(struct berth_ctx *ctx, struct cli_args *args);
int cmd_tag(struct berth_ctx *ctx, struct cli_args *args);
int cmd_untag(struct berth_ctx *ctx, struct cli_args *args);
int cmd_rmi(struct berth_ctx *ctx, struct cli_args *args);
int cmd_image_prune(struct berth_ctx *ctx, struct cli_args *args);
int cmd_image_exists(struct berth_ctx *ctx, struct cli_args *args);
int cmd_system_df(struct berth_ctx *ctx, struct cli_args *args);
int cmd_system_prune(struct berth_ctx *ctx, struct cli_args *args);
int cmd_system_reset(struct berth_ctx *ctx, struct cli_args *args);
int cmd_events(struct berth_ctx *ctx, struct cli_args *args);
int cmd_info(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_import(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_system_check(struct berth_ctx *ctx, struct cli_args *args);
/* src/transfer/archive_load.c, archive_save.c (layers); options in transfer/archive_options.h */
TRANSFER_HANDLER int cmd_load(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_save(struct berth_ctx *ctx, struct cli_args *args);
/* cli_open_store() - open the store of @ctx, printing the error; returns 0 or an exit code. */
struct store;
int cli_open_store(struct berth_ctx *ctx, struct store **ret);
/* cli_pull_missing() - pull_missing.c: run/create pull an image not in the store (podman's
 * --pull=missing); 0, or the exit code after pull printed its error. */
int cli_pull_missing(struct berth_ctx *ctx, struct cli_args *args);
/*
 * cli_prune_images() - remove unused (dangling unless @all) images that every filter of
 * @filters (images --filter's, NULL for none) keeps, printing their ids.
 */
int cli_prune_images(struct berth_ctx *ctx, struct store *s, bool all, char *const *filters,
		     int64_t *ret_reclaimed);

/* container_diff.c (build): diff, and the options of the berth-transfer commands commit,
 * build, export (handlers in src/transfer/commit.c, build.c, export.c) */
extern const struct cli_option cmd_container_diff_options[];
extern const struct cli_option cmd_commit_options[];
extern const struct cli_option cmd_build_options[];
extern const struct cli_option cmd_export_options[];
int cmd_container_diff(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_commit(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_build(struct berth_ctx *ctx, struct cli_args *args);
TRANSFER_HANDLER int cmd_export(struct berth_ctx *ctx, struct cli_args *args);

/* containers.c (lifecycle): running containers */
extern const struct cli_option cmd_run_options[];
extern const struct cli_option cmd_create_options[];
extern const struct cli_option cmd_start_options[];
extern const struct cli_option cmd_stop_options[];
extern const struct cli_option cmd_kill_options[];
extern const struct cli_option cmd_rm_options[];
extern const struct cli_option cmd_restart_options[];
extern const struct cli_option cmd_logs_options[];
extern const struct cli_option cmd_ps_options[];
extern const struct cli_option cmd_container_inspect_options[];
extern const struct cli_option cmd_container_prune_options[];
int cmd_run(struct berth_ctx *ctx, struct cli_args *args);
int cmd_create(struct berth_ctx *ctx, struct cli_args *args);
int cmd_start(struct berth_ctx *ctx, struct cli_args *args);
int cmd_stop(struct berth_ctx *ctx, struct cli_args *args);
int cmd_kill(struct berth_ctx *ctx, struct cli_args *args);
int cmd_rm(struct berth_ctx *ctx, struct cli_args *args);
int cmd_restart(struct berth_ctx *ctx, struct cli_args *args);
int cmd_wait(struct berth_ctx *ctx, struct cli_args *args);
int cmd_logs(struct berth_ctx *ctx, struct cli_args *args);
int cmd_ps(struct berth_ctx *ctx, struct cli_args *args);
int cmd_container_inspect(struct berth_ctx *ctx, struct cli_args *args);
int cmd_inspect(struct berth_ctx *ctx, struct cli_args *args);
extern const struct cli_option cmd_container_cleanup_options[];
int cmd_container_cleanup(struct berth_ctx *ctx, struct cli_args *args);
int cmd_container_exists(struct berth_ctx *ctx, struct cli_args *args);
int cmd_container_prune(struct berth_ctx *ctx, struct cli_args *args);
extern const struct cli_option cmd_exec_options[];
extern const struct cli_option cmd_inspect_options[];

/* pods.c (pods): berth pod ... */
extern const struct cli_option cmd_pod_create_options[];
extern const struct cli_option cmd_pod_ps_options[];
extern const struct cli_option cmd_pod_inspect_options[];
extern const struct cli_option cmd_pod_start_options[];
extern const struct cli_option cmd_pod_stop_options[];
extern const struct cli_option cmd_pod_kill_options[];
extern const struct cli_option cmd_pod_rm_options[];
extern const struct cli_option cmd_pod_prune_options[];
int cmd_pod_create(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_ps(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_inspect(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_start(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_stop(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_restart(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_kill(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_rm(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_exists(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_prune(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_pause(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_top(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_stats(struct berth_ctx *ctx, struct cli_args *args);
int cmd_pod_unpause(struct berth_ctx *ctx, struct cli_args *args);
struct store_container;
struct json_t;
/* cli_ps_add_pod() - `ps`: the "Pod" (id) and "PodName" fields of @item for container @c. */
void cli_ps_add_pod(struct store *s, const struct store_container *c, struct json_t *item,
		    bool no_trunc);

/* container_volume.c (lifecycle): volumes */
extern const struct cli_option cmd_volume_create_options[];
extern const struct cli_option cmd_volume_ls_options[];
extern const struct cli_option cmd_volume_inspect_options[];
extern const struct cli_option cmd_volume_rm_options[];
extern const struct cli_option cmd_volume_prune_options[];
int cmd_volume_create(struct berth_ctx *ctx, struct cli_args *args);
int cmd_volume_ls(struct berth_ctx *ctx, struct cli_args *args);
int cmd_volume_inspect(struct berth_ctx *ctx, struct cli_args *args);
int cmd_volume_rm(struct berth_ctx *ctx, struct cli_args *args);
int cmd_volume_prune(struct berth_ctx *ctx, struct cli_args *args);
int cmd_volume_exists(struct berth_ctx *ctx, struct cli_args *args);
int cmd_exec(struct berth_ctx *ctx, struct cli_args *args);

/* container_more.c (living): pause, unpause, top, port */
extern const struct cli_option cmd_pause_options[];
extern const struct cli_option cmd_unpause_options[];
extern const struct cli_option cmd_port_options[];
int cmd_pause(struct berth_ctx *ctx, struct cli_args *args);
int cmd_unpause(struct berth_ctx *ctx, struct cli_args *args);
int cmd_top(struct berth_ctx *ctx, struct cli_args *args);
int cmd_port(struct berth_ctx *ctx, struct cli_args *args);
extern const struct cli_option cmd_attach_options[];
int cmd_attach(struct berth_ctx *ctx, struct cli_args *args);
int cmd_cp(struct berth_ctx *ctx, struct cli_args *args);
/* health.c: healthcheck run */
int cmd_healthcheck_run(struct berth_ctx *ctx, struct cli_args *args);
/* src/transfer/cp_archive.c: cp with "-" (tar archives); plain berth execs berth-transfer */
TRANSFER_HANDLER int cli_cp_archive(struct berth_ctx *ctx, struct cli_args *args);
/* cli_exec_transfer() (main.c) - run this command line in berth-transfer instead. */
int cli_exec_transfer(struct berth_ctx *ctx, struct cli_args *args);
/* container_stats.c (living): stats */
extern const struct cli_option cmd_stats_options[];
int cmd_stats(struct berth_ctx *ctx, struct cli_args *args);
/* container_rename.c (living): rename */
int cmd_rename(struct berth_ctx *ctx, struct cli_args *args);
/* container_mount.c (living): mount, unmount */
extern const struct cli_option cmd_mount_options[];
extern const struct cli_option cmd_unmount_options[];
int cmd_mount(struct berth_ctx *ctx, struct cli_args *args);
int cmd_unmount(struct berth_ctx *ctx, struct cli_args *args);
/* cli_detach_keys_check() - validate --detach-keys of @args; prints the error, returns 125. */
int cli_detach_keys_check(struct cli_args *args);
/*
 * cli_attach_pump() - pump attach socket @sock and stdio, stdin included, until the exit code
 * comes (0, *@ret_exit set) or @detach_keys ("ctrl-p,ctrl-q"; NULL or "" for none) are typed (1).
 */
int cli_attach_pump(int sock, const char *detach_keys, int *ret_exit, berth_error *err);
/* cli_start_all() - `start --all [--filter K=V]`: start every stopped container that matches. */
int cli_start_all(struct berth_ctx *ctx, struct cli_args *args);
/* cli_tty_watch_resize() - until cli_tty_unwatch_resize(), send the terminal size of stdin to
 * the attach socket @sock on every SIGWINCH. */
void cli_tty_watch_resize(int sock);
void cli_tty_unwatch_resize(void);

#endif
