/* Every public C header compiles as C99 with -Wall -Wextra -Werror -pedantic. */
#include "oskit/com.h"
#include "oskit/com/heap.h"
#include "oskit/com/listener.h"
#include "oskit/com/stream.h"
#include "oskit/error.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/devctl.h"
#include "oskit/io/netio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/ttystream.h"
#include "oskit/osenv.h"
#include "oskit/types.h"

/* The ops tables start with IUnknown's three slots in every interface. */
typedef char ops_prefix_check[(sizeof(struct oskit_iunknown_ops) == 3 * sizeof(void (*)(void))) ? 1 : -1];
typedef char absio_blkio_check[(sizeof(struct oskit_absio_ops) == sizeof(struct oskit_blkio_ops)) ? 1 : -1];
