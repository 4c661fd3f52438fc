/* The libFuzzer entry point every fuzz target defines; declared here so
 * -Wmissing-prototypes accepts the definitions. */
#ifndef MOAT_FUZZ_H
#define MOAT_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
