#ifndef CITYPIPE_CZLIB_SHIM_H
#define CITYPIPE_CZLIB_SHIM_H
#include <zlib.h>
#endif
