/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import.c - `berth import TARBALL|- [NAME[:TAG]]` and `berth system check`, the two local
 * image commands that hash data (libcrypto) and so run in berth-transfer.
 *
 * Import flow: the tarball (or stdin) is streamed into a verified blob; the blob is unpacked as
 * a base layer (layer_extract() checks every entry stays inside the layer); a config (with the
 * --change instructions applied and a history entry carrying --message) and an OCI manifest are
 * written as blobs; the image record ties them together and takes the name. The whole import
 * holds the store lock shared, so gc/check never see it half done; a kill -9 at any point leaves
 * only unreferenced files for gc.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/image_ops.h"
#include "store/events.h"
#include "store/store-time.h"
#include "store/store.h"
#include "util/macro.h"

#define IMPORT_MAX_CHANGES 256

/* cmd_import_options and cmd_system_check_options live in src/cli/images.c (light). */

/* A JSON array from the exec form '["a", "b"]', or the shell form wrapped in /bin/sh -c. */
static json_t *cmd_value(const char *v)
{
	json_t *a;

	while (*v == ' ')
		v++;
	if (*v == '[') {
		a = json_loads(v, 0, NULL);
		if (json_is_array(a)) {
			size_t i;
			json_t *x;
			bool ok = true;
			json_array_foreach(a, i, x) ok &= json_is_string(x);
			if (ok)
				return a;
		}
		json_decref(a);
	}
	a = json_array();
	json_array_append_new(a, json_string("/bin/sh"));
	json_array_append_new(a, json_string("-c"));
	json_array_append_new(a, json_string(v));
	return a;
}

/* Splits "k=v k2="v 2"" (or "k v" when @allow_space) into @obj (string values). */
static int kv_words(const char *v, json_t *obj, bool allow_space, bool env, json_t *env_arr)
{
	_cleanup_free_ char *copy = strdup(v);
	char *p = copy;

	if (!copy)
		return -ENOMEM;
	if (allow_space && !strchr(v, '=')) {
		char *sp = strchr(copy, ' ');
		if (!sp)
			return -EINVAL;
		*sp++ = '\0';
		while (*sp == ' ')
			sp++;
		if (env) {
			char *e = NULL;
			if (asprintf(&e, "%s=%s", copy, sp) < 0)
				return -ENOMEM;
			json_array_append_new(env_arr, json_string(e));
			free(e);
		} else
			json_object_set_new(obj, copy, json_string(sp));
		return 0;
	}
	while (*p) {
		char key[1024], val[4096];
		size_t kl = 0, vl = 0;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		while (*p && *p != '=' && *p != ' ' && kl + 1 < sizeof(key))
			key[kl++] = *p++;
		key[kl] = '\0';
		if (*p != '=' || kl == 0)
			return -EINVAL;
		p++;
		char q = (*p == '"' || *p == '\'') ? *p++ : 0;
		while (*p && (q ? *p != q : *p != ' ') && vl + 1 < sizeof(val)) {
			if (*p == '\\' && p[1] && q != '\'')
				p++;
			val[vl++] = *p++;
		}
		val[vl] = '\0';
		if (q && *p == q)
			p++;
		if (env) {
			char *e = NULL;
			if (asprintf(&e, "%s=%s", key, val) < 0)
				return -ENOMEM;
			json_array_append_new(env_arr, json_string(e));
			free(e);
		} else
			json_object_set_new(obj, key, json_string(val));
	}
	return 0;
}

static json_t *obj_member(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

/* Applies one --change 'INSTRUCTION VALUE' (or INSTRUCTION=VALUE) to the config's "config". */
static int apply_change(json_t *cfg, const char *change, berth_error *err)
{
	char instr[16];
	size_t n = strcspn(change, " =");
	const char *v = change + n;

	if (n == 0 || n >= sizeof(instr) || !*v)
		return berr(err, EINVAL, "invalid --change \"%s\": use 'INSTRUCTION VALUE', e.g. 'CMD [\"/bin/sh\"]'", change);
	for (size_t i = 0; i < n; i++)
		instr[i] = (char)((change[i] >= 'a' && change[i] <= 'z') ? change[i] - 32 : change[i]);
	instr[n] = '\0';
	v++;
	while (*v == ' ')
		v++;
	if (strcmp(instr, "CMD") == 0)
		json_object_set_new(cfg, "Cmd", cmd_value(v));
	else if (strcmp(instr, "ENTRYPOINT") == 0)
		json_object_set_new(cfg, "Entrypoint", cmd_value(v));
	else if (strcmp(instr, "USER") == 0)
		json_object_set_new(cfg, "User", json_string(v));
	else if (strcmp(instr, "WORKDIR") == 0)
		json_object_set_new(cfg, "WorkingDir", json_string(v));
	else if (strcmp(instr, "STOPSIGNAL") == 0)
		json_object_set_new(cfg, "StopSignal", json_string(v));
	else if (strcmp(instr, "ENV") == 0) {
		json_t *env = json_object_get(cfg, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(cfg, "Env", env);
		}
		if (kv_words(v, NULL, true, true, env) < 0)
			return berr(err, EINVAL, "invalid --change \"%s\": ENV takes NAME=VALUE", change);
	} else if (strcmp(instr, "LABEL") == 0) {
		if (kv_words(v, obj_member(cfg, "Labels"), true, false, NULL) < 0)
			return berr(err, EINVAL, "invalid --change \"%s\": LABEL takes KEY=VALUE", change);
	} else if (strcmp(instr, "EXPOSE") == 0) {
		json_t *ports = obj_member(cfg, "ExposedPorts");
		_cleanup_free_ char *copy = strdup(v);
		for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char key[64];
			char *end;
			long port = strtol(t, &end, 10);
			if (port <= 0 || port > 65535 ||
			    (*end && strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 && strcmp(end, "/sctp") != 0))
				return berr(err, EINVAL, "invalid --change \"%s\": EXPOSE takes PORT[/PROTO]", change);
			snprintf(key, sizeof(key), "%ld%s", port, *end ? end : "/tcp");
			json_object_set_new(ports, key, json_object());
		}
	} else if (strcmp(instr, "VOLUME") == 0) {
		json_t *vols = obj_member(cfg, "Volumes");
		json_t *arr = *v == '[' ? json_loads(v, 0, NULL) : NULL;
		if (json_is_array(arr)) {
			size_t i;
			json_t *x;
			json_array_foreach(arr, i, x) if (json_is_string(x))
				json_object_set_new(vols, json_string_value(x), json_object());
		} else {
			_cleanup_free_ char *copy = strdup(v);
			for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
				json_object_set_new(vols, t, json_object());
		}
		json_decref(arr);
	} else
		return berr(err, EINVAL,
			    "invalid --change \"%s\": %s is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR",
			    change, instr);
	return 0;
}

static const char *layer_media_type(struct store *s, const char *digest)
{
	_cleanup_close_ int fd = -1;
	unsigned char m[4] = { 0 };

	if (store_blob_open(s, digest, &fd, NULL) < 0 || read(fd, m, sizeof(m)) < 2)
		return "application/vnd.oci.image.layer.v1.tar";
	if (m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

static int import_image(struct berth_ctx *ctx, struct store *s, struct cli_args *args,
			char ret_id[STORE_ID_LEN + 1], char **ret_name, berth_error *err)
{
	const char *src = cli_argv(args)[0];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *name = NULL, *config_text = NULL, *manifest_text = NULL;
	_cleanup_(store_layer_freep) struct store_layer *layer = NULL;
	char blob[STORE_DIGEST_LEN + 1], cfg_digest[STORE_DIGEST_LEN + 1], man_digest[STORE_DIGEST_LEN + 1];
	char layer_id[STORE_ID_LEN + 1], created[48];
	const char *media;
	uint64_t blob_size = 0;
	json_auto_t *config = NULL, *manifest = NULL;
	json_t *cc, *hist, *h, *desc, *layers;
	struct utsname u;
	int r;

	if (cli_argc(args) > 1) {
		r = store_name_normalize(cli_argv(args)[1], &name, err);
		if (r < 0)
			return r;
		if (strchr(name, '@'))
			return berr(err, EINVAL, "%s: import to a digest is not supported: give NAME[:TAG]",
				    cli_argv(args)[1]);
	}
	cc = json_object();
	for (char *const *c = cli_list(args, "change"); *c; c++) {
		r = apply_change(cc, *c, err);
		if (r < 0) {
			json_decref(cc);
			return r;
		}
	}
	if (strcmp(src, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		json_decref(cc);
		return berr_errno(err, errno, "import %s: open the tarball", src);
	}

	r = store_lock(s, false, err);
	if (r < 0)
		goto fail_cc;
	r = store_blob_ingest_fd(s, fd, NULL, 0, blob, &blob_size, err);
	if (r < 0) {
		berr_prefix(err, "import %s", src);
		goto fail_cc;
	}
	media = layer_media_type(s, blob);
	r = store_layer_create_from_blob(s, NULL, blob, media, NULL, layer_id, err);
	if (r < 0) {
		berr_prefix(err, "import %s", src);
		goto fail_cc;
	}
	r = store_layer_get(s, layer_id, &layer, err);
	if (r < 0)
		goto fail_cc;

	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		store_time_format((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, created, sizeof(created));
	}
	uname(&u);
	config = json_object();
	json_object_set_new(config, "created", json_string(created));
	json_object_set_new(config, "architecture",
			    json_string(cli_str(args, "arch") ?: (strcmp(u.machine, "x86_64") == 0 ? "amd64"
						: strcmp(u.machine, "aarch64") == 0 ? "arm64" : u.machine)));
	json_object_set_new(config, "os", json_string(cli_str(args, "os") ?: "linux"));
	if (cli_str(args, "variant"))
		json_object_set_new(config, "variant", json_string(cli_str(args, "variant")));
	json_object_set_new(config, "config", cc);
	cc = NULL;
	{
		json_t *rootfs = json_object(), *ids = json_array();
		json_array_append_new(ids, json_string(layer->diff_id));
		json_object_set_new(rootfs, "type", json_string("layers"));
		json_object_set_new(rootfs, "diff_ids", ids);
		json_object_set_new(config, "rootfs", rootfs);
	}
	hist = json_array();
	h = json_object();
	{
		char by[160];
		snprintf(by, sizeof(by), "/bin/sh -c #(nop) ADD file:%s in /", layer->diff_id + 7);
		json_object_set_new(h, "created", json_string(created));
		json_object_set_new(h, "created_by", json_string(by));
		if (cli_str(args, "message"))
			json_object_set_new(h, "comment", json_string(cli_str(args, "message")));
	}
	json_array_append_new(hist, h);
	json_object_set_new(config, "history", hist);
	config_text = json_dumps(config, JSON_COMPACT);
	if (!config_text) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	r = store_blob_ingest_buf(s, config_text, strlen(config_text), NULL, cfg_digest, err);
	if (r < 0)
		goto fail;

	manifest = json_object();
	json_object_set_new(manifest, "schemaVersion", json_integer(2));
	json_object_set_new(manifest, "mediaType", json_string("application/vnd.oci.image.manifest.v1+json"));
	desc = json_object();
	json_object_set_new(desc, "mediaType", json_string("application/vnd.oci.image.config.v1+json"));
	json_object_set_new(desc, "digest", json_string(cfg_digest));
	json_object_set_new(desc, "size", json_integer((json_int_t)strlen(config_text)));
	json_object_set_new(manifest, "config", desc);
	layers = json_array();
	desc = json_object();
	json_object_set_new(desc, "mediaType", json_string(media));
	json_object_set_new(desc, "digest", json_string(blob));
	json_object_set_new(desc, "size", json_integer((json_int_t)blob_size));
	json_array_append_new(layers, desc);
	json_object_set_new(manifest, "layers", layers);
	manifest_text = json_dumps(manifest, JSON_COMPACT);
	if (!manifest_text) {
		r = berr(err, ENOMEM, "out of memory");
		goto fail;
	}
	r = store_blob_ingest_buf(s, manifest_text, strlen(manifest_text), NULL, man_digest, err);
	if (r < 0)
		goto fail;
	{
		char *layer_ids[] = { layer_id, NULL };
		char *blobs[] = { blob, NULL };
		char *names[] = { name, NULL };
		struct store_image_spec spec = {
			.config_digest = cfg_digest,
			.manifest_digest = man_digest,
			.manifest_media_type = "application/vnd.oci.image.manifest.v1+json",
			.layers = layer_ids,
			.blob_digests = blobs,
			.n_layers = 1,
			.names = name ? names : NULL,
		};
		r = store_image_create(s, &spec, ret_id, err);
		if (r < 0)
			goto fail;
	}
	store_unlock(s);
	*ret_name = TAKE_PTR(name);
	return 0;
fail_cc:
	json_decref(cc);
fail:
	store_unlock(s);
	return r;
}

TRANSFER_HANDLER int cmd_import(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *name = NULL;
	char id[STORE_ID_LEN + 1];
	berth_error err = { 0 };


	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (import_image(ctx, s, args, id, &name, &err) < 0)
		return cli_fail(&err);
	engine_image_event(ctx->runroot, "import", id, name ? name : "");
	if (!cli_flag(args, "quiet"))
		fprintf(stderr, "Getting image source signatures\nCopying blob done\nWriting manifest to image destination\n");
	printf("sha256:%s\n", id);
	return 0;
}


TRANSFER_HANDLER int cmd_system_check(struct berth_ctx *ctx, struct cli_args *args)
{
	_cleanup_store_ struct store *s = NULL;
	struct store_check_report rep = { 0 };
	berth_error err = { 0 };
	bool repair = cli_flag(args, "repair") || cli_flag(args, "force");
	int rc = 0;

	if (store_open(ctx->root, ctx->runroot, &s, &err) < 0)
		return cli_fail(&err);
	if (store_check(s, repair, cli_flag(args, "force"), &rep, &err) < 0)
		return cli_fail(&err);
	if (rep.leftovers)
		printf("Removed %zu leftover item%s of interrupted operations\n", rep.leftovers,
		       rep.leftovers == 1 ? "" : "s");
	for (size_t i = 0; i < rep.n_errors; i++)
		printf("%s\n", rep.errors[i]);
	if (rep.n_errors == 0)
		printf("No errors found\n");
	else if (repair)
		printf("Repaired %zu problem%s\n", rep.repaired, rep.repaired == 1 ? "" : "s");
	else {
		fprintf(stderr, "Error: %zu problem%s found in the store; run berth system check --repair\n",
			rep.n_errors, rep.n_errors == 1 ? "" : "s");
		rc = 125;
	}
	store_check_report_done(&rep);
	return rc;
}
