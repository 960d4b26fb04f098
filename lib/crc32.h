/* CRC-32 (the gzip/zlib one) for gzip members: carry-less multiplication
 * (PCLMULQDQ) when the CPU has it, zlib's crc32 otherwise. Same results as
 * zlib's crc32(crc, buf, len) for any input. */
#ifndef MD_CRC32_H
#define MD_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);
/* 1 if crc32_update uses the carry-less multiply path on this CPU. */
int crc32_fast(void);

#endif
