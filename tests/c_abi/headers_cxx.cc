// Every public header compiles as C++17 with -Wall -Wextra -Werror.
#include "oskit/com.h"
#include "oskit/com/heap.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"
#include "oskit/com/ptr.h"
#include "oskit/com/status.h"
#include "oskit/com/stream.h"
#include "oskit/error.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/devctl.h"
#include "oskit/io/netio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/range.h"
#include "oskit/io/ttystream.h"
#include "oskit/types.h"

#include <type_traits>

static_assert(std::is_base_of_v<oskit_blkio, oskit_absio>, "an absio is a blkio of block size one");
static_assert(std::is_base_of_v<oskit_absio, oskit_bufio>, "bufio extends absio");
static_assert(std::is_base_of_v<oskit_stream, oskit_ttystream>, "ttystream begins with stream's slots");
static_assert(std::is_base_of_v<oskit_netio, oskit_netio_fanout>, "a fanout is a netio");
static_assert(sizeof(oskit_absio) == sizeof(void*) && sizeof(oskit_stream) == sizeof(void*),
              "an interface is one ops pointer, as in C");
static_assert(std::is_polymorphic_v<oskit_iunknown> && !std::has_virtual_destructor_v<oskit_iunknown>,
              "no virtual destructor: the first slots are query, addref, release");
