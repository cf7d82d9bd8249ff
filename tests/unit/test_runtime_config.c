/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <seccomp.h>

#include <cmocka.h>

#include "runtime/runtime-internal.h"
#include "util/fileio.h"

#define BASE_HEAD "{\"ociVersion\": \"1.0.2\", "
#define PROCESS                                                                                    \
	"\"process\": {\"args\": [\"sh\", \"-c\", \"exit 3\"], \"cwd\": \"/\", \"env\": "          \
	"[\"PATH=/bin\"]}, "
#define ROOT  "\"root\": {\"path\": \"rootfs\"}, "
#define LINUX "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}]}"

/* Parses @json and returns the error message (or "" on success). */
static const char *parse_err(const char *json, struct runtime_config **ret)
{
	static berth_error err;
	struct runtime_config *cfg = NULL;

	berr_clear(&err);
	if (runtime_config_parse("/b", json, &cfg, &err) == 0) {
		if (ret)
			*ret = cfg;
		else
			runtime_config_free(cfg);
		return "";
	}
	assert_null(cfg);
	assert_true(err.msg[0] != '\0');
	return err.msg;
}

static void test_minimal(void **state)
{
	struct runtime_config *cfg = NULL;

	(void)state;
	assert_string_equal(parse_err(BASE_HEAD PROCESS ROOT LINUX "}", &cfg), "");
	assert_string_equal(cfg->args[0], "sh");
	assert_string_equal(cfg->args[2], "exit 3");
	assert_null(cfg->args[3]);
	assert_string_equal(cfg->root_path, "/b/rootfs");
	assert_string_equal(cfg->env[0], "PATH=/bin");
	assert_int_equal(cfg->ns_new, CLONE_NEWNS | CLONE_NEWPID);
	assert_false(cfg->has_caps);
	assert_false(cfg->terminal);
	assert_int_equal(cfg->umask, 022);
	assert_null(cfg->seccomp);
	runtime_config_free(cfg);
	runtime_config_free(NULL);
}

static void test_full(void **state)
{
	struct runtime_config *cfg = NULL;
	const char *json = BASE_HEAD
	    "\"process\": {\"terminal\": true, \"args\": [\"id\"], \"cwd\": \"/work\","
	    " \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 63, \"additionalGids\": [10, 20]},"
	    " \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"], \"effective\": "
	    "[\"CAP_KILL\"],"
	    "   \"ambient\": [\"cap_net_bind_service\"]},"
	    " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096}],"
	    " \"noNewPrivileges\": true},"
	    "\"root\": {\"path\": \"/abs/root\", \"readonly\": true}, \"hostname\": \"box\","
	    "\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	    "  {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\","
	    "   \"options\": [\"rbind\", \"ro\", \"rprivate\"]}],"
	    "\"annotations\": {\"io.berth.rootfs.lowerdirs\": \"[\\\"/l/2\\\", \\\"/l/1\\\"]\","
	    "  \"io.berth.rootfs.upperdir\": \"/c/upper\", \"io.berth.rootfs.workdir\": "
	    "\"/c/work\","
	    "  \"io.berth.rootfs.userxattr\": \"true\", \"other\": \"x\"},"
	    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"uts\"}, {\"type\": "
	    "\"user\"},"
	    "   {\"type\": \"network\", \"path\": \"/run/netns/x\"}],"
	    " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1},"
	    "   {\"containerID\": 1, \"hostID\": 100000, \"size\": 65536}],"
	    " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
	    " \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
	    "   {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": "
	    "\"rw\"}],"
	    "   \"memory\": {\"limit\": 67108864}, \"cpu\": {\"quota\": 50000, "
	    "\"period\": 100000},"
	    "   \"pids\": {\"limit\": 64}},"
	    " \"cgroupsPath\": \"berth/abc\", \"maskedPaths\": [\"/proc/kcore\"],"
	    " \"readonlyPaths\": [\"/proc/sys\"], \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
	    " \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
	    "   \"architectures\": [\"SCMP_ARCH_X86_64\"],"
	    "   \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	    "     {\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
	    "      \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}";

	(void)state;
	assert_string_equal(parse_err(json, &cfg), "");
	assert_true(cfg->terminal);
	assert_int_equal(cfg->uid, 1000);
	assert_int_equal(cfg->gid, 100);
	assert_int_equal(cfg->umask, 077);
	assert_int_equal(cfg->n_additional_gids, 2);
	assert_int_equal(cfg->additional_gids[1], 20);
	assert_true(cfg->has_caps);
	assert_int_equal(cfg->caps[RT_CAP_BOUNDING], (1ULL << 0) | (1ULL << 5));
	assert_int_equal(cfg->caps[RT_CAP_EFFECTIVE], 1ULL << 5);
	assert_int_equal(cfg->caps[RT_CAP_AMBIENT], 1ULL << 10);
	assert_int_equal(cfg->caps[RT_CAP_PERMITTED], 0);
	assert_int_equal(cfg->n_rlimits, 1);
	assert_int_equal(cfg->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(cfg->rlimits[0].soft, 1024);
	assert_int_equal(cfg->rlimits[0].hard, 4096);
	assert_true(cfg->no_new_privileges);
	assert_string_equal(cfg->root_path, "/abs/root");
	assert_true(cfg->root_readonly);
	assert_string_equal(cfg->hostname, "box");
	assert_int_equal(cfg->n_mounts, 3);
	assert_string_equal(cfg->mounts[1].data, "mode=755,size=65536k");
	assert_int_equal(cfg->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_int_equal(cfg->mounts[2].flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(cfg->mounts[2].attr_set, MOUNT_ATTR_RDONLY);
	assert_int_equal(cfg->mounts[2].propagation, MS_PRIVATE | MS_REC);
	assert_null(cfg->mounts[2].data);
	assert_string_equal(cfg->lowerdirs[0], "/l/2");
	assert_string_equal(cfg->lowerdirs[1], "/l/1");
	assert_null(cfg->lowerdirs[2]);
	assert_string_equal(cfg->upperdir, "/c/upper");
	assert_true(cfg->userxattr);
	assert_int_equal(cfg->ns_new, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWUSER);
	assert_int_equal(cfg->ns_join, CLONE_NEWNET);
	assert_string_equal(cfg->ns_path[rt_ns_index(CLONE_NEWNET)], "/run/netns/x");
	assert_true(cfg->has_idmap);
	assert_int_equal(cfg->idmap.uid.n, 2);
	assert_int_equal(cfg->idmap.uid.ranges[1].outside, 100000);
	assert_int_equal(cfg->memory_limit, 67108864);
	assert_int_equal(cfg->cpu_quota, 50000);
	assert_int_equal(cfg->cpu_period, 100000);
	assert_int_equal(cfg->pids_limit, 64);
	assert_string_equal(cfg->device_rules[0], "D a *:* rwm");
	assert_string_equal(cfg->device_rules[1], "A c 10:229 rw");
	assert_null(cfg->device_rules[2]);
	assert_string_equal(cfg->cgroups_path, "berth/abc");
	assert_string_equal(cfg->masked_paths[0], "/proc/kcore");
	assert_string_equal(cfg->readonly_paths[0], "/proc/sys");
	assert_string_equal(cfg->sysctl[0], "net.ipv4.ip_forward");
	assert_string_equal(cfg->sysctl[1], "1");
	assert_non_null(cfg->seccomp);
	assert_int_equal(cfg->seccomp->default_action, SCMP_ACT_ERRNO(38));
	assert_int_equal(cfg->seccomp->n_arches, 1);
	assert_int_equal(cfg->seccomp->arches[0], SCMP_ARCH_X86_64);
	assert_int_equal(cfg->seccomp->n_rules, 2);
	assert_int_equal(cfg->seccomp->rules[1].action, SCMP_ACT_ERRNO(1));
	assert_int_equal(cfg->seccomp->rules[1].n_args, 1);
	assert_int_equal(cfg->seccomp->rules[1].args[0].op, SCMP_CMP_EQ);
	runtime_config_free(cfg);
}

static void test_errors(void **state)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
	    {"[1]", "not a JSON object"},
	    {"{", "config.json: line"},
	    {"{\"ociVersion\": \"0.9\"}", "not a 1.x"},
	    {BASE_HEAD ROOT LINUX "}", "process is missing"},
	    {BASE_HEAD "\"process\": {\"args\": [], \"cwd\": \"/\"}, " ROOT LINUX "}",
	     "process.args is empty"},
	    {BASE_HEAD "\"process\": {\"args\": [\"x\"]}, " ROOT LINUX "}",
	     "process.cwd is missing"},
	    {BASE_HEAD "\"process\": {\"args\": [\"x\"], \"cwd\": \"rel\"}, " ROOT LINUX "}",
	     "not an absolute path"},
	    {BASE_HEAD "\"process\": {\"args\": \"x\", \"cwd\": \"/\"}, " ROOT LINUX "}",
	     "process.args must be an array"},
	    {BASE_HEAD "\"process\": {\"args\": [1], \"cwd\": \"/\"}, " ROOT LINUX "}",
	     "process.args[0] must be a string"},
	    {BASE_HEAD
	     "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"env\": [\"NOVALUE\"]}, " ROOT LINUX
	     "}",
	     "not NAME=VALUE"},
	    {BASE_HEAD
	     "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"terminal\": 1}, " ROOT LINUX "}",
	     "terminal must be true or false"},
	    {BASE_HEAD
	     "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"user\": {\"uid\": -1}}, " ROOT
		 LINUX "}",
	     "uid is out of range"},
	    {BASE_HEAD "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"capabilities\": "
		       "{\"bounding\": [\"CAP_NOPE\"]}}, " ROOT LINUX "}",
	     "unknown capability \"CAP_NOPE\""},
	    {BASE_HEAD "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
		       "\"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}, " ROOT LINUX "}",
	     "unknown type \"RLIMIT_FOO\""},
	    {BASE_HEAD "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": "
		       "\"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 1}]}, " ROOT LINUX "}",
	     "soft limit 10 is above hard limit 1"},
	    {BASE_HEAD PROCESS LINUX "}", "root is missing"},
	    {BASE_HEAD PROCESS ROOT "\"hostname\": \"h\", " LINUX "}", "no new uts namespace"},
	    {BASE_HEAD PROCESS ROOT
	     "\"mounts\": [{\"destination\": \"rel\", \"type\": \"tmpfs\"}], " LINUX "}",
	     "mounts[0].destination \"rel\" is not an absolute path"},
	    {BASE_HEAD PROCESS ROOT
	     "\"mounts\": [{\"destination\": \"/x\", \"options\": [\"bind\"]}], " LINUX "}",
	     "needs an absolute source"},
	    {BASE_HEAD PROCESS ROOT "\"mounts\": [{\"destination\": \"/x\"}], " LINUX "}",
	     "has no type"},
	    {BASE_HEAD PROCESS ROOT "\"linux\": {\"namespaces\": [{\"type\": \"time2\"}]}}",
	     "unknown type \"time2\""},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
	     "listed twice"},
	    {BASE_HEAD PROCESS ROOT "\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
	     "needs linux.uidMappings"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}], "
	     "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
	     "no new user namespace"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": "
	     "[{\"containerID\": 0, \"hostID\": 1, \"size\": 10}, {\"containerID\": 5, \"hostID\": "
	     "100, \"size\": 1}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": "
	     "1}]}}",
	     "overlap"},
	    {BASE_HEAD PROCESS ROOT "\"linux\": {\"cgroupsPath\": \"../../etc\"}}", "plain path"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"x\"}]}}}",
	     "type must be a, c or b"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
	     "access must be made of r, w, m"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"resources\": {\"devices\": [{\"type\": \"a\"}]}}}",
	     "needs \"allow\""},
	    {BASE_HEAD PROCESS ROOT "\"linux\": {\"sysctl\": {\"../x\": \"1\"}}}",
	     "not a sysctl name"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOPE\"}}}",
	     "unknown action \"SCMP_ACT_NOPE\""},
	    {BASE_HEAD PROCESS ROOT "\"linux\": {\"seccomp\": {\"defaultAction\": "
				    "\"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}}}",
	     "unknown architecture"},
	    {BASE_HEAD PROCESS ROOT
	     "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	     "[{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 9, "
	     "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
	     "index 0..5"},
	    {BASE_HEAD PROCESS ROOT
	     "\"annotations\": {\"io.berth.rootfs.lowerdirs\": \"[]\"}, " LINUX "}",
	     "non-empty JSON array"},
	    {BASE_HEAD PROCESS ROOT
	     "\"annotations\": {\"io.berth.rootfs.lowerdirs\": \"[\\\"rel\\\"]\"}, " LINUX "}",
	     "absolute path without commas"},
	    {BASE_HEAD PROCESS ROOT
	     "\"annotations\": {\"io.berth.rootfs.lowerdirs\": \"[\\\"/a\\\"]\", "
	     "\"io.berth.rootfs.upperdir\": \"/u\"}, " LINUX "}",
	     "must be given together"},
	    {BASE_HEAD PROCESS ROOT "\"annotations\": {\"a\": 1}, " LINUX "}",
	     "annotation \"a\" must be a string"},
	    {BASE_HEAD PROCESS "\"root\": {\"path\": \"r\"}}", "linux is missing"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg = parse_err(cases[i].json, NULL);
		if (!strstr(msg, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, msg, cases[i].want);
	}
}

static void test_load_from_bundle(void **state)
{
	char dir[] = "/tmp/test_runtime_bundleXXXXXX";
	const char *json = BASE_HEAD PROCESS ROOT LINUX "}";
	struct runtime_config *cfg = NULL;
	berth_error err = {0};
	char path[256];
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(runtime_config_load(dir, &cfg, &err), -ENOENT);
	assert_non_null(strstr(err.msg, dir));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(write_file_atomic_at(dfd, "config.json", json, strlen(json), 0644, &err),
			 0);
	assert_int_equal(runtime_config_load(dir, &cfg, &err), 0);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	assert_string_equal(cfg->root_path, path);
	runtime_config_free(cfg);
	unlinkat(dfd, "config.json", 0);
	close(dfd);
	rmdir(dir);
}

static bool rule_has(json_t *syscalls, const char *name, const char *action)
{
	json_t *rule, *n;
	size_t i, k;

	json_array_foreach(syscalls, i, rule)
	{
		if (strcmp(json_string_value(json_object_get(rule, "action")), action) != 0)
			continue;
		json_array_foreach(json_object_get(rule, "names"), k,
				   n) if (strcmp(json_string_value(n), name) == 0) return true;
	}
	return false;
}

static void test_seccomp_from_containers_json(void **state)
{
	const char *path = "/usr/share/containers/seccomp.json";
	unsigned long long sys_chroot = 1ULL << 18, sys_admin = 1ULL << 21;
	json_t *obj = NULL, *syscalls;
	struct rt_seccomp *s = NULL;
	berth_error err = {0};

	(void)state;
	if (access(path, R_OK) < 0)
		skip();
	assert_int_equal(runtime_seccomp_from_containers_json(path, 0, (void **)&obj, &err), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(obj, "defaultErrnoRet")), ENOSYS);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(obj, "architectures"), 0)),
	    "SCMP_ARCH_X86_64");
	syscalls = json_object_get(obj, "syscalls");
	assert_true(rule_has(syscalls, "read", "SCMP_ACT_ALLOW"));
	assert_true(rule_has(syscalls, "arch_prctl", "SCMP_ACT_ALLOW")); /* amd64-only rule */
	assert_false(rule_has(syscalls, "chroot", "SCMP_ACT_ALLOW"));	 /* needs CAP_SYS_CHROOT */
	assert_true(rule_has(syscalls, "chroot", "SCMP_ACT_ERRNO"));
	assert_false(rule_has(syscalls, "sethostname", "SCMP_ACT_ALLOW")); /* needs CAP_SYS_ADMIN */
	assert_int_equal(rt_seccomp_parse(obj, &s, &err), 0);
	assert_int_equal(s->default_action, SCMP_ACT_ERRNO(ENOSYS));
	rt_seccomp_free(s);
	json_decref(obj);

	assert_int_equal(
	    runtime_seccomp_from_containers_json(path, sys_chroot | sys_admin, (void **)&obj, &err),
	    0);
	syscalls = json_object_get(obj, "syscalls");
	assert_true(rule_has(syscalls, "chroot", "SCMP_ACT_ALLOW"));
	assert_false(rule_has(syscalls, "chroot", "SCMP_ACT_ERRNO"));
	assert_true(rule_has(syscalls, "sethostname", "SCMP_ACT_ALLOW"));
	json_decref(obj);

	assert_true(
	    runtime_seccomp_from_containers_json("/nonexistent.json", 0, (void **)&obj, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent.json"));
}

static void test_rlimit_clamp(void **state)
{
	struct rlimit cur;
	struct rt_rlimit rl[1] = {{RLIMIT_NOFILE, UINT64_MAX - 1, UINT64_MAX - 1}};

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &cur), 0);
	if (cur.rlim_max == RLIM_INFINITY)
		skip();
	rt_rlimits_clamp(rl, 1);
	assert_int_equal(rl[0].hard, cur.rlim_max);
	assert_int_equal(rl[0].soft, cur.rlim_max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_load_from_bundle),
	    cmocka_unit_test(test_seccomp_from_containers_json),
	    cmocka_unit_test(test_rlimit_clamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
