/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mediatype.h - the media types of the OCI image spec (v1.1) and of Docker's image manifest
 * schema 2, as registries send them in Content-Type headers and in "mediaType" fields.
 */
#ifndef BERTH_OCI_MEDIATYPE_H
#define BERTH_OCI_MEDIATYPE_H

/* OCI image spec */
#define OCI_MT_MANIFEST	     "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX	     "application/vnd.oci.image.index.v1+json"
#define OCI_MT_CONFIG	     "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"
#define OCI_MT_EMPTY	     "application/vnd.oci.empty.v1+json"
#define OCI_MT_LAYER	     "application/vnd.oci.image.layer.v1.tar"
#define OCI_MT_LAYER_GZIP    "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_LAYER_ZSTD    "application/vnd.oci.image.layer.v1.tar+zstd"
/* "non-distributable" (foreign) layers: deprecated by the spec but still found in the wild */
#define OCI_MT_LAYER_ND	     "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define OCI_MT_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define OCI_MT_LAYER_ND_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

/* Docker image manifest v2, schema 2 */
#define DOCKER_MT_MANIFEST	     "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_MANIFEST_LIST	     "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_CONFIG	     "application/vnd.docker.container.image.v1+json"
#define DOCKER_MT_LAYER		     "application/vnd.docker.image.rootfs.diff.tar"
#define DOCKER_MT_LAYER_GZIP	     "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MT_LAYER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define DOCKER_MT_PLUGIN_CONFIG	     "application/vnd.docker.plugin.v1+json"

/* Docker schema 1: recognised only to refuse it with a clear message */
#define DOCKER_MT_MANIFEST_V1	     "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MT_MANIFEST_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* The Accept header value a registry client sends for any manifest berth understands. */
#define OCI_MT_ACCEPT_ALL                                                                          \
	OCI_MT_INDEX ", " OCI_MT_MANIFEST ", " DOCKER_MT_MANIFEST_LIST ", " DOCKER_MT_MANIFEST

#endif
