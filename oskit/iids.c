/* The IID objects OSKit exports, and GUID comparison. */
#include "oskit/com.h"
#include "oskit/com/describe.h"
#include "oskit/com/listener.h"
#include "oskit/com/stream.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/bufio_pool.h"
#include "oskit/io/devctl.h"
#include "oskit/io/dma_space.h"
#include "oskit/io/netio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/ttystream.h"
#include "oskit/osenv.h"

#include <string.h>

const struct oskit_guid oskit_iunknown_iid = OSKIT_IUNKNOWN_IID;
const struct oskit_guid oskit_describe_iid = OSKIT_DESCRIBE_IID;
const struct oskit_guid oskit_listener_iid = OSKIT_LISTENER_IID;
const struct oskit_guid oskit_stream_iid = OSKIT_STREAM_IID;
const struct oskit_guid oskit_absio_iid = OSKIT_ABSIO_IID;
const struct oskit_guid oskit_asyncio_iid = OSKIT_ASYNCIO_IID;
const struct oskit_guid oskit_blkio_iid = OSKIT_BLKIO_IID;
const struct oskit_guid oskit_bufio_iid = OSKIT_BUFIO_IID;
const struct oskit_guid oskit_bufio_pool_iid = OSKIT_BUFIO_POOL_IID;
const struct oskit_guid oskit_devctl_iid = OSKIT_DEVCTL_IID;
const struct oskit_guid oskit_dma_space_iid = OSKIT_DMA_SPACE_IID;
const struct oskit_guid oskit_netio_iid = OSKIT_NETIO_IID;
const struct oskit_guid oskit_netio_fanout_iid = OSKIT_NETIO_FANOUT_IID;
const struct oskit_guid oskit_posixio_iid = OSKIT_POSIXIO_IID;
const struct oskit_guid oskit_ttystream_iid = OSKIT_TTYSTREAM_IID;
const struct oskit_guid oskit_osenv_mem_iid = OSKIT_OSENV_MEM_IID;
const struct oskit_guid oskit_osenv_log_iid = OSKIT_OSENV_LOG_IID;
const struct oskit_guid oskit_osenv_clock_iid = OSKIT_OSENV_CLOCK_IID;
const struct oskit_guid oskit_osenv_threads_iid = OSKIT_OSENV_THREADS_IID;
const struct oskit_guid oskit_osenv_irq_iid = OSKIT_OSENV_IRQ_IID;

int oskit_guid_equal(const struct oskit_guid *a, const struct oskit_guid *b) {
  return a->data1 == b->data1 && a->data2 == b->data2 && a->data3 == b->data3 &&
         memcmp(a->data4, b->data4, sizeof a->data4) == 0;
}
