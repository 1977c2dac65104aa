/* File proxies (libevl's <uapi/evl/proxy.h>). */
#ifndef _EVL_UAPI_PROXY_H
#define _EVL_UAPI_PROXY_H

#include <uapi/evl/factory.h>

#define EVL_PROXY_DEV "proxy"

#endif /* !_EVL_UAPI_PROXY_H */
