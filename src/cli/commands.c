/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commands.c - the one table of berth's commands. Parsing, --help and completion all read it.
 * Handlers live in one file per command group (images.c, containers.c, ...); the options of a
 * command are declared next to its handler and referenced here.
 */
#include <stddef.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "transfer/options.h"
#include "transfer/archive_options.h"

const struct cli_option cli_global_options[] = {
	{ "root", 0, CLI_STRING, "Path to the root directory in which data, including images, is stored", NULL },
	{ "runroot", 0, CLI_STRING, "Path to the 'run directory' where all state information is stored", NULL },
	{ "storage-driver", 0, CLI_STRING, "Select which storage driver is used to manage storage of images and containers (overlay, vfs)", NULL },
	{ "storage-opt", 0, CLI_LIST, "Used to pass an option to the storage driver", NULL },
	{ "log-level", 0, CLI_STRING, "Log messages above specified level (trace, debug, info, warn, error)", "warn" },
	{ "cgroup-manager", 0, CLI_STRING, "Cgroup manager to use (cgroupfs; accepted for podman compatibility)", NULL },
	{ "events-backend", 0, CLI_STRING, "Events backend to use (file; accepted for podman compatibility)", NULL },
	{ "runtime", 0, CLI_STRING, "Path to an external OCI runtime (default: berth's built-in runtime)", NULL },
	{ "help", 'h', CLI_BOOL, "Help for berth", NULL },
	{ "version", 'v', CLI_BOOL, "Version of berth", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/*
 * Rows podman has both under a group and at the top level: the same-named ones (`container rm`
 * and `rm`) come as one list per group, the renamed ones (`image ls` and `images`) one by one.
 */
#define ROW_IMAGES(name, alias) \
	{ name, alias, "List images in local storage", "[options] [IMAGE]", \
	  cmd_images_options, cmd_images, NULL, 0, 1, 0, "images" }
#define ROW_RMI(name, alias) \
	{ name, alias, "Remove one or more images from local storage", \
	  "[options] IMAGE [IMAGE...]", cmd_rmi_options, cmd_rmi, NULL, 0, -1, 0, "images" }
#define ROW_INFO(name, alias) \
	{ name, alias, "Display berth system information", "[options]", cmd_info_options, \
	  cmd_info, NULL, 0, 0, 0, NULL }
#define ROW_PS(name, alias) \
	{ name, alias, "List containers", "[options]", cmd_ps_options, cmd_ps, NULL, 0, 0, \
	  0, NULL }

#define CONTAINER_AND_TOP_ROWS \
	{ "attach", NULL, "Attach to a running container", "[options] CONTAINER", \
	  cmd_attach_options, cmd_attach, NULL, 1, 1, 0, "containers" }, \
	{ "commit", NULL, "Create new image based on the changed container", \
	  "[options] CONTAINER [IMAGE]", cmd_commit_options, cmd_commit, NULL, 1, 2, \
	  CLI_TRANSFER, "containers" }, \
	{ "cp", NULL, "Copy files/folders between a container and the local filesystem", \
	  "CONTAINER:SRC_PATH DEST_PATH|SRC_PATH CONTAINER:DEST_PATH", NULL, cmd_cp, NULL, \
	  2, 2, 0, "containers" }, \
	{ "create", NULL, "Create but do not start a container", \
	  "[options] IMAGE [COMMAND [ARG...]]", cmd_create_options, cmd_create, NULL, 1, \
	  -1, CLI_POSITIONAL_STOPS, "images" }, \
	{ "diff", NULL, "Inspect changes to the container's file systems", \
	  "[options] CONTAINER", cmd_container_diff_options, cmd_container_diff, NULL, 1, \
	  1, 0, "containers" }, \
	{ "exec", NULL, "Run a process in a running container", \
	  "[options] CONTAINER COMMAND [ARG...]", cmd_exec_options, cmd_exec, NULL, 2, -1, \
	  CLI_POSITIONAL_STOPS, "containers" }, \
	{ "export", NULL, "Export a container's filesystem contents as a tar archive", \
	  "[options] CONTAINER", cmd_export_options, cmd_export, NULL, 1, 1, CLI_TRANSFER, \
	  "containers" }, \
	{ "kill", NULL, "Kill one or more running containers with a specific signal", \
	  "[options] CONTAINER [CONTAINER...]", cmd_kill_options, cmd_kill, NULL, 0, -1, 0, \
	  "containers" }, \
	{ "logs", NULL, "Fetch the logs of one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_logs_options, cmd_logs, NULL, 1, -1, 0, \
	  "containers" }, \
	{ "mount", NULL, "Mount a working container's root filesystem", \
	  "[options] [CONTAINER...]", cmd_mount_options, cmd_mount, NULL, 0, -1, 0, \
	  "containers" }, \
	{ "pause", NULL, "Pause all the processes in one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_pause_options, cmd_pause, NULL, 0, -1, \
	  0, "containers" }, \
	{ "port", NULL, "List port mappings or a specific mapping for the container", \
	  "[options] CONTAINER [PORT]", cmd_port_options, cmd_port, NULL, 0, 2, 0, \
	  "containers" }, \
	{ "rename", NULL, "Rename an existing container", "CONTAINER NAME", NULL, cmd_rename, \
	  NULL, 2, 2, 0, "containers" }, \
	{ "restart", NULL, "Restart one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_restart_options, cmd_restart, NULL, 0, \
	  -1, 0, "containers" }, \
	{ "rm", NULL, "Remove one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_rm_options, cmd_rm, NULL, 0, -1, 0, \
	  "containers" }, \
	{ "run", NULL, "Run a command in a new container", \
	  "[options] IMAGE [COMMAND [ARG...]]", cmd_run_options, cmd_run, NULL, 1, -1, \
	  CLI_POSITIONAL_STOPS, "images" }, \
	{ "start", NULL, "Start one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_start_options, cmd_start, NULL, 0, -1, \
	  0, "containers" }, \
	{ "stats", NULL, "Display a live stream of container resource usage statistics", \
	  "[options] [CONTAINER...]", cmd_stats_options, cmd_stats, NULL, 0, -1, 0, \
	  "containers" }, \
	{ "stop", NULL, "Stop one or more containers", "[options] CONTAINER [CONTAINER...]", \
	  cmd_stop_options, cmd_stop, NULL, 0, -1, 0, "containers" }, \
	{ "top", NULL, "Display the running processes of a container", \
	  "CONTAINER [FORMAT-DESCRIPTORS...]", NULL, cmd_top, NULL, 1, -1, 0, "containers" }, \
	{ "unmount", "umount", "Unmount working container's root filesystem", \
	  "[options] CONTAINER [CONTAINER...]", cmd_unmount_options, cmd_unmount, NULL, 0, \
	  -1, 0, "containers" }, \
	{ "unpause", NULL, "Unpause the processes in one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", cmd_unpause_options, cmd_unpause, NULL, 0, \
	  -1, 0, "containers" }, \
	{ "wait", NULL, "Block on one or more containers", \
	  "[options] CONTAINER [CONTAINER...]", NULL, cmd_wait, NULL, 1, -1, 0, \
	  "containers" }
#define IMAGE_AND_TOP_ROWS \
	{ "build", NULL, "Build an image using instructions from Containerfiles", \
	  "[options] [CONTEXT]", cmd_build_options, cmd_build, NULL, 0, 1, CLI_TRANSFER, \
	  NULL }, \
	{ "history", NULL, "Show history of a specified image", "[options] IMAGE", \
	  cmd_history_options, cmd_history, NULL, 1, 1, 0, "images" }, \
	{ "import", NULL, "Import a tarball to create a filesystem image", \
	  "[options] PATH [REFERENCE]", cmd_import_options, cmd_import, NULL, 1, 2, \
	  CLI_TRANSFER, NULL }, \
	{ "load", NULL, "Load image(s) from a tar archive", "[options]", cmd_load_options, \
	  cmd_load, NULL, 0, 0, CLI_TRANSFER, NULL }, \
	{ "pull", NULL, "Pull an image from a registry", "[options] IMAGE", \
	  cmd_pull_options, cmd_pull, NULL, 1, 1, CLI_TRANSFER, NULL }, \
	{ "push", NULL, "Push an image to a specified destination", \
	  "[options] IMAGE [DESTINATION]", cmd_push_options, cmd_push, NULL, 1, 2, \
	  CLI_TRANSFER, "images" }, \
	{ "save", NULL, "Save image(s) to an archive", "[options] IMAGE [IMAGE...]", \
	  cmd_save_options, cmd_save, NULL, 1, -1, CLI_TRANSFER, "images" }, \
	{ "search", NULL, "Search a registry for an image", "[options] TERM", \
	  cmd_search_options, cmd_search, NULL, 1, 1, CLI_TRANSFER, NULL }, \
	{ "tag", NULL, "Add an additional name to a local image", \
	  "IMAGE TARGET_NAME [TARGET_NAME...]", NULL, cmd_tag, NULL, 2, -1, 0, "images" }, \
	{ "untag", NULL, "Remove a name from a local image", "IMAGE [IMAGE...]", NULL, \
	  cmd_untag, NULL, 1, -1, 0, "images" }

/* berth manifest: podman's manifest-list commands (transfer: inspect) */
static const struct cli_command manifest_commands[] = {
	{ "inspect", NULL, "Display the contents of a manifest list or image index", "[options] IMAGE",
	  cmd_manifest_inspect_options, cmd_manifest_inspect, NULL, 1, 1, CLI_TRANSFER, "images" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

/* store: berth image ... */
static const struct cli_command image_commands[] = {
	/* build: berth-transfer */
	IMAGE_AND_TOP_ROWS,
	{ "exists", NULL, "Check if an image exists in local storage", "IMAGE", NULL, cmd_image_exists,
	  NULL, 1, 1, 0, "images" },
	{ "inspect", NULL, "Display the configuration of an image", "[options] IMAGE [IMAGE...]",
	  cmd_image_inspect_options, cmd_image_inspect, NULL, 1, -1, 0, "images" },
	ROW_IMAGES("list", "ls"),
	{ "prune", NULL, "Remove unused images", "[options]", cmd_image_prune_options, cmd_image_prune,
	  NULL, 0, 0, 0, NULL },
	/* transfer: podman's image pull/push/search are the top-level commands' */
	ROW_RMI("rm", NULL),
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

/* store: berth system ... (others may add their subcommands here) */
static const struct cli_command system_commands[] = {
	{ "check", NULL, "Check storage consistency", "[options]", cmd_system_check_options,
	  cmd_system_check, NULL, 0, 0, CLI_TRANSFER, NULL },
	{ "df", NULL, "Show berth disk usage", "[options]", cmd_system_df_options, cmd_system_df, NULL, 0,
	  0, 0, NULL },
	ROW_INFO("info", NULL),
	{ "prune", NULL, "Remove unused data", "[options]", cmd_system_prune_options, cmd_system_prune,
	  NULL, 0, 0, 0, NULL },
	{ "reset", NULL, "Reset berth storage", "[options]", cmd_system_reset_options, cmd_system_reset,
	  NULL, 0, 0, 0, NULL },
	/* api: the REST service (execs berth-api) */
	{ "service", NULL, "Run the API service", "[options] [URI]", cmd_system_service_options,
	  cmd_system_service, NULL, 0, 1, 0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

/* pods: berth pod ... */
static const struct cli_command pod_commands[] = {
	{ "create", NULL, "Create a new empty pod", "[options]", cmd_pod_create_options,
	  cmd_pod_create, NULL, 0, 0, 0, NULL },
	{ "exists", NULL, "Check if a pod exists in local storage", "POD", NULL, cmd_pod_exists,
	  NULL, 1, 1, 0, NULL },
	{ "inspect", NULL, "Displays a pod configuration", "[options] POD [POD...]",
	  cmd_pod_inspect_options, cmd_pod_inspect, NULL, 1, -1, 0, NULL },
	{ "kill", NULL, "Send the specified signal or SIGKILL to containers in pod",
	  "[options] POD [POD...]", cmd_pod_kill_options, cmd_pod_kill, NULL, 1, -1, 0, NULL },
	{ "pause", NULL, "Pause one or more pods", "POD [POD...]", cmd_pod_start_options,
	  cmd_pod_pause, NULL, 1, -1, 0, NULL },
	{ "prune", NULL, "Remove all stopped pods and their containers", "[options]",
	  cmd_pod_prune_options, cmd_pod_prune, NULL, 0, 0, 0, NULL },
	{ "ps", "ls,list", "List pods", "[options]", cmd_pod_ps_options, cmd_pod_ps, NULL, 0, 0, 0,
	  NULL },
	{ "restart", NULL, "Restart one or more pods", "[options] POD [POD...]",
	  cmd_pod_stop_options, cmd_pod_restart, NULL, 1, -1, 0, NULL },
	{ "rm", NULL, "Remove one or more stopped pods and containers", "[options] POD [POD...]",
	  cmd_pod_rm_options, cmd_pod_rm, NULL, 1, -1, 0, NULL },
	{ "stats", NULL, "Display a live stream of resource usage statistics for the containers in one or more pods",
	  "[options] [POD...]", cmd_stats_options, cmd_pod_stats, NULL, 0, -1, 0, NULL },
	{ "top", NULL, "Display the running processes of containers in a pod",
	  "POD [FORMAT-DESCRIPTORS...]", NULL, cmd_pod_top, NULL, 1, -1, 0, NULL },
	{ "unpause", NULL, "Unpause one or more pods", "POD [POD...]", cmd_pod_start_options,
	  cmd_pod_unpause, NULL, 1, -1, 0, NULL },
	{ "start", NULL, "Start one or more pods", "[options] POD [POD...]", cmd_pod_start_options,
	  cmd_pod_start, NULL, 1, -1, 0, NULL },
	{ "stop", NULL, "Stop one or more pods", "[options] POD [POD...]", cmd_pod_stop_options,
	  cmd_pod_stop, NULL, 1, -1, 0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

/* lifecycle: berth volume ... */
static const struct cli_command volume_commands[] = {
	{ "create", NULL, "Create a new volume", "[options] [NAME]", cmd_volume_create_options,
	  cmd_volume_create, NULL, 0, 1, 0, NULL },
	{ "exists", NULL, "Check if volume exists", "VOLUME", NULL, cmd_volume_exists, NULL, 1, 1, 0,
	  "volumes" },
	{ "inspect", NULL, "Display detailed information on one or more volumes",
	  "[options] VOLUME [VOLUME...]", cmd_volume_inspect_options, cmd_volume_inspect, NULL, 0, -1,
	  0, "volumes" },
	{ "ls", "list", "List volumes", "[options]", cmd_volume_ls_options, cmd_volume_ls, NULL, 0, 0,
	  0, NULL },
	{ "prune", NULL, "Remove all unused volumes", "[options]", cmd_volume_prune_options,
	  cmd_volume_prune, NULL, 0, 0, 0, NULL },
	{ "rm", "remove", "Remove one or more volumes", "[options] VOLUME [VOLUME...]",
	  cmd_volume_rm_options, cmd_volume_rm, NULL, 0, -1, 0, "volumes" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

/* lifecycle: berth container ... */
static const struct cli_command container_commands[] = {
	/* build: commit, diff, export */
	CONTAINER_AND_TOP_ROWS,
	{ "cleanup", NULL, "Clean up the container after its process exited (run by berth-monitor)",
	  "ID", cmd_container_cleanup_options, cmd_container_cleanup, NULL, 1, 1, CLI_HIDDEN,
	  "containers" },
	{ "exists", NULL, "Check if a container exists in local storage", "CONTAINER", NULL,
	  cmd_container_exists, NULL, 1, 1, 0, "containers" },
	{ "inspect", NULL, "Display the configuration of a container", "[options] CONTAINER [CONTAINER...]",
	  cmd_container_inspect_options, cmd_container_inspect, NULL, 1, -1, 0, "containers" },
	ROW_PS("list", "ls,ps"),
	{ "prune", NULL, "Remove all non running containers", "[options]", cmd_container_prune_options,
	  cmd_container_prune, NULL, 0, 0, 0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

static const struct cli_command healthcheck_commands[] = {
	{ "run", NULL, "Run the health check of a container", "CONTAINER", NULL,
	  cmd_healthcheck_run, NULL, 1, 1, 0, "containers" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

static const struct cli_command generate_commands[] = {
	{ "systemd", NULL, "Generate systemd units", "[options] {CONTAINER|POD}",
	  cmd_generate_systemd_options, cmd_generate_systemd, NULL, 1, 1, 0, "containers" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

static const struct cli_command top_commands[] = {
	/* build: build, commit, diff, export */
	IMAGE_AND_TOP_ROWS,
	CONTAINER_AND_TOP_ROWS,
	{ "version", NULL, "Display the berth version information", "[options]", cmd_version_options,
	  cmd_version, NULL, 0, 0, 0, NULL },
	{ "__complete", NULL, "Print completion candidates", "WORDS...", NULL, cli_complete_words,
	  NULL, 0, -1, CLI_HIDDEN | CLI_RAW_ARGS, NULL },
	{ "completion", NULL, "Generate shell autocompletions", "bash", NULL, cli_completion, NULL, 1, 1,
	  0, NULL },
	/* transfer: registries and image transports (berth-transfer) */
	{ "copy", NULL, "Copy an image from one location to another (skopeo copy)",
	  "[options] SOURCE-IMAGE DESTINATION-IMAGE", cmd_copy_options, cmd_copy, NULL, 2, 2,
	  CLI_TRANSFER, NULL },
	/* lifecycle: podman's inspect (containers, images) and skopeo's (TRANSPORT:IMAGE, handed to
	 * berth-transfer's cmd_inspect_remote by cmd_inspect) */
	{ "inspect", NULL, "Display the configuration of a container or image (or TRANSPORT:IMAGE)",
	  "[options] {CONTAINER|IMAGE|TRANSPORT:IMAGE} [...]", cmd_inspect_options, cmd_inspect, NULL, 1,
	  -1, 0, "containers" },
	{ "login", NULL, "Log in to a container registry", "[options] [REGISTRY]", cmd_login_options,
	  cmd_login, NULL, 0, 1, CLI_TRANSFER, NULL },
	{ "logout", NULL, "Log out of a container registry", "[options] [REGISTRY]",
	  cmd_logout_options, cmd_logout, NULL, 0, 1, CLI_TRANSFER, NULL },
	{ "manifest", NULL, "Manipulate manifest lists and image indexes", "[command]", NULL, NULL,
	  manifest_commands, 0, -1, 0, NULL },
	/* store: local images, events, info, system */
	{ "events", NULL, "Show berth events", "[options]", cmd_events_options, cmd_events, NULL, 0, 0, 0,
	  NULL },
	{ "image", NULL, "Manage images", "[command]", NULL, NULL, image_commands, 0, -1, 0, NULL },
	ROW_IMAGES("images", NULL),
	ROW_INFO("info", NULL),
	ROW_RMI("rmi", NULL),
	{ "system", NULL, "Manage berth", "[command]", NULL, NULL, system_commands, 0, -1, 0, NULL },
	/* lifecycle: containers */
	{ "container", NULL, "Manage containers", "[command]", NULL, NULL, container_commands, 0, -1, 0,
	  NULL },
	ROW_PS("ps", NULL),
	{ "pod", NULL, "Manage pods", "[command]", NULL, NULL, pod_commands, 0, -1, 0, NULL },
	{ "volume", NULL, "Manage volumes", "[command]", NULL, NULL, volume_commands, 0, -1, 0, NULL },
	{ "generate", NULL, "Generate structured data based on containers and pods", NULL, NULL,
	  NULL, generate_commands, 0, -1, 0, NULL },
	{ "healthcheck", NULL, "Manage health checks on containers", "[command]", NULL, NULL,
	  healthcheck_commands, 0, -1, 0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL },
};

const struct cli_command cli_root_command = {
	"berth", NULL, "Manage pods, containers and images, without a daemon", "[options] [command]",
	cli_global_options, NULL, top_commands, 0, -1, 0, NULL,
};
