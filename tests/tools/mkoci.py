#!/usr/bin/env python3
"""mkoci.py OUTDIR TAG LAYER.tar.gz...: an OCI image layout around gzip
layer blobs as they are (umoci would compress them anew), for skopeo to
copy: a config whose diff_ids are the uncompressed tars' digests, one
manifest, index.json naming it TAG. For tests and make bench."""
import gzip, hashlib, json, os, sys

def main():
    out, tag, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out + "/blobs/sha256")

    def blob(data, media):
        d = hashlib.sha256(data).hexdigest()
        with open("%s/blobs/sha256/%s" % (out, d), "wb") as f:
            f.write(data)
        return {"mediaType": media, "digest": "sha256:" + d, "size": len(data)}

    descs, diff_ids = [], []
    for path in layers:
        h = hashlib.sha256()
        with gzip.open(path) as z:
            for chunk in iter(lambda: z.read(1 << 20), b""):
                h.update(chunk)
        diff_ids.append("sha256:" + h.hexdigest())
        with open(path, "rb") as f:
            descs.append(blob(f.read(),
                              "application/vnd.oci.image.layer.v1.tar+gzip"))
    config = blob(json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode(),
        "application/vnd.oci.image.config.v1+json")
    man = blob(json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": descs}).encode(),
        "application/vnd.oci.image.manifest.v1+json")
    man["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(out + "/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [man]}, f)
    with open(out + "/oci-layout", "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

main()
