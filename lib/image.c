/* Image config parsing and its INI form. */
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "store.h"
#include "util.h"

void image_id_of(const void *config, size_t len, char *id)
{
	unsigned char d[SHA256_LEN];

	sha256_buf(config, len, d);
	sha256_str(id, d);
}

static int is_digest(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && is_hex(s + 7, 64);
}

int image_info_parse(const char *config, size_t len, struct image_info *info,
		     struct md_err *err)
{
	const struct json *rootfs, *ids;
	const char *type;

	memset(info, 0, sizeof(*info));
	info->doc = json_parse(config, len, "image config", err);
	if (!info->doc)
		return -1;
	if (json_type(info->doc) != JSON_OBJECT)
		return err_set(err, 0, "not a JSON object");
	rootfs = json_get(info->doc, "rootfs");
	type = json_get_str(rootfs, "type");
	ids = json_get(rootfs, "diff_ids");
	if (!type || strcmp(type, "layers") || json_type(ids) != JSON_ARRAY)
		return err_set(err, 0, "no rootfs layers");
	info->nlayers = json_len(ids);
	info->layers = calloc(info->nlayers + 1, sizeof(*info->layers));
	if (!info->layers)
		return err_set(err, ENOMEM, "image config");
	for (size_t i = 0; i < info->nlayers; i++) {
		const char *d = json_str(json_at(ids, i));
		if (!is_digest(d))
			return err_set(err, 0, "bad diff_id #%zu", i);
		strcpy(info->layers[i], d);
	}
	return 0;
}

int image_info_load(struct store *s, const char *image_id,
		    struct image_info *info, struct md_err *err)
{
	cleanup_free char *config = NULL;
	char path[128];
	size_t len;

	if (strncmp(image_id, "sha256:", 7) || !is_hex(image_id + 7, 64))
		return err_set(err, EINVAL, "image ID %s", image_id);
	snprintf(path, sizeof(path), "blobs/sha256/%s", image_id + 7);
	if (!(config = file_read_at(s->fd, path, IMAGE_CONFIG_MAX, &len, err)))
		return -1;
	return image_info_parse(config, len, info, err);
}

void image_info_free(struct image_info *info)
{
	json_free(info->doc);
	free(info->layers);
	info->doc = NULL;
	info->layers = NULL;
}

/* A JSON array of strings, as JSON text: ["sh","-c","x"]. */
static void ini_strarray(struct ini_out *o, const char *key,
			 const struct json *arr)
{
	size_t cap = 3, n = json_len(arr), len = 1;
	char *buf;

	if (json_type(arr) != JSON_ARRAY)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_str(json_at(arr, i));
		cap += json_quote(NULL, 0, s ? s : "") + 1;
	}
	buf = malloc(cap);
	if (!buf) {
		o->oom = 1;
		return;
	}
	buf[0] = '[';
	for (size_t i = 0; i < n; i++) {
		const char *s = json_str(json_at(arr, i));
		if (i)
			buf[len++] = ',';
		len += json_quote(buf + len, cap - len, s ? s : "");
	}
	buf[len++] = ']';
	buf[len] = 0;
	ini_kv(o, key, buf);
	free(buf);
}

static void ini_str(struct ini_out *o, const char *key, const char *value)
{
	if (value && *value)
		ini_kv(o, key, value);
}

void image_info_ini(const struct image_info *info, const char *id,
		    const char *manifest_digest, uint64_t size,
		    struct ini_out *o)
{
	const struct json *doc = info->doc, *cfg = json_get(doc, "config");
	const struct json *env = json_get(cfg, "Env");

	ini_kv(o, "id", id);
	ini_str(o, "digest", manifest_digest);
	ini_str(o, "created", json_get_str(doc, "created"));
	ini_kvf(o, "size", "%llu", (unsigned long long)size);
	ini_str(o, "os", json_get_str(doc, "os"));
	ini_str(o, "architecture", json_get_str(doc, "architecture"));
	ini_str(o, "variant", json_get_str(doc, "variant"));
	ini_str(o, "author", json_get_str(doc, "author"));
	ini_strarray(o, "entrypoint", json_get(cfg, "Entrypoint"));
	ini_strarray(o, "cmd", json_get(cfg, "Cmd"));
	for (size_t i = 0; i < json_len(env); i++)
		ini_str(o, "env", json_str(json_at(env, i)));
	ini_str(o, "workdir", json_get_str(cfg, "WorkingDir"));
	ini_str(o, "user", json_get_str(cfg, "User"));
	ini_str(o, "stop_signal", json_get_str(cfg, "StopSignal"));
	for (size_t i = 0; i < info->nlayers; i++)
		ini_kv(o, "layer", info->layers[i]);
}

const char *image_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
#error "unknown architecture"
#endif
}

char *image_config_new(const char *diff_id, const char *comment_json)
{
	char created[40];
	struct timespec ts;
	char *out = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(created, sizeof(created), ts.tv_sec, ts.tv_nsec);
	if (asprintf(&out,
		     "{\"architecture\":\"%s\",\"os\":\"linux\",\"created\":\"%s\","
		     "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
		     "[\"%s\"]},\"history\":[{\"created\":\"%s\",\"comment\":%s}]}",
		     image_host_arch(), created, diff_id, created,
		     comment_json) < 0)
		return NULL;
	return out;
}

static int sink_write(void *user, const void *buf, size_t len,
		      struct md_err *err)
{
	return layer_sink_write(user, buf, len, err);
}

int image_import_layer(struct store *s, int fd, const char *what,
		       char *diff_id, struct md_err *err)
{
	struct layer_sink *ls = layer_sink_new(s, err);
	int ret = -1;

	if (!ls)
		return -1;
	if (fd_stream(fd, sink_write, ls, what, err) == 0) {
		if (layer_sink_commit(ls, NULL, NULL, diff_id, err) == 0)
			ret = 0;
		else
			err_wrap(err, "%s", what);
	}
	layer_sink_free(ls);
	return ret;
}
