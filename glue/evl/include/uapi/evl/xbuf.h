/* Cross-buffers (libevl's <uapi/evl/xbuf.h>). */
#ifndef _EVL_UAPI_XBUF_H
#define _EVL_UAPI_XBUF_H

#define EVL_XBUF_DEV "xbuf"

#endif /* !_EVL_UAPI_XBUF_H */
