/*
 * A simulated DMA engine (docs/design.md, "Exporting bufio to DMA code"): a
 * device that copies and fills memory between device addresses of a
 * device-address space (oskit/io/dma_space.h), so that it reaches only what
 * is wired there. A driver programs it as it would a real engine, through
 * devctl (QNX io_devctl; docs/design.md, "devctl"): it enables the engine,
 * submits descriptors to its ring, and reaps completions, which the engine
 * signals through asyncio (OSKit manual 7.2) and its listeners.
 *
 * The engine executes descriptors in order on a worker thread of its own
 * (from the embedding environment). It translates every address of a
 * descriptor before it writes anything: an address outside the wired regions
 * is a translation fault, which the space counts and logs under the engine's
 * device number and the descriptor completes with OSKIT_EFAULT and the address
 * that faulted, having written nothing; the rest of the ring goes on.
 *
 * A descriptor holds its ring slot from submit until its completion is
 * reaped, so a ring of N slots has at most N descriptors queued or completed.
 * A submit finding no free slot and a reap finding no completion wait, or fail
 * with OSKIT_EAGAIN when the opener set OSKIT_DEVCTL_F_NONBLOCK through
 * OSKIT_DCMD_ALL_SETFLAGS: nothing is ever dropped.
 *
 * asyncio: READABLE while completions wait to be reaped (readable() gives
 * their bytes as oskit_dma_completion records), WRITABLE while a slot is
 * free, EXCEPTION while a waiting completion reports an error. Listeners are
 * called on the engine's worker thread (completions) or the reaping thread
 * (room); they must not release the engine's last reference.
 * remove_listener returns once the notifications other threads are making
 * have ended, so the listener is not called afterwards (a listener may
 * remove itself from its notify; the caller must not hold a lock a listener
 * takes).
 *
 * Every call may come from any thread.
 */
#ifndef COMPONENTS_DMA_ENGINE_DMA_ENGINE_H
#define COMPONENTS_DMA_ENGINE_DMA_ENGINE_H

#include "oskit/io/devctl.h"
#include "oskit/io/dma_space.h"

/* Descriptor operations. */
#define OSKIT_DMA_OP_COPY 1u /* length bytes from src to dst (the ranges may overlap) */
#define OSKIT_DMA_OP_FILL 2u /* length bytes at dst, pattern's 8 bytes (in memory order) repeated */
#define OSKIT_DMA_OP_SG_COPY                                            \
  3u /* the bytes the src scatter-gather table lists into those the dst \
        table lists, in order; the tables (src_count and dst_count      \
        oskit_dma_sg_entry records at device addresses src and dst)     \
        must list the same total */

/* Limits. */
#define OSKIT_DMA_SG_MAX 64u      /* entries in one scatter-gather table */
#define OSKIT_DMA_SUBMIT_MAX 128u /* descriptors in one OSKIT_DMA_DCMD_SUBMIT */
#define OSKIT_DMA_REAP_MAX 256u   /* completions in one OSKIT_DMA_DCMD_REAP */
#define OSKIT_DMA_RING_MAX 4096u
#define OSKIT_DMA_RING_DEFAULT 256u

/* One entry of a scatter-gather table, as the engine reads it from memory. */
struct oskit_dma_sg_entry {
  oskit_u64_t addr;   /* device address */
  oskit_u64_t length; /* bytes, at least 1 */
};

/* A descriptor. Fields an operation does not use must be zero. */
struct oskit_dma_desc {
  oskit_u32_t op;        /* OSKIT_DMA_OP_* */
  oskit_u32_t flags;     /* none defined: 0 */
  oskit_u64_t cookie;    /* the driver's; returned in the completion */
  oskit_u64_t src;       /* COPY: source address; SG_COPY: the source table's address */
  oskit_u64_t dst;       /* COPY, FILL: destination address; SG_COPY: the destination table's */
  oskit_u64_t length;    /* COPY, FILL: bytes, at least 1 */
  oskit_u64_t pattern;   /* FILL */
  oskit_u32_t src_count; /* SG_COPY: entries in the source table, 1..OSKIT_DMA_SG_MAX */
  oskit_u32_t dst_count; /* SG_COPY: entries in the destination table, 1..OSKIT_DMA_SG_MAX */
};

/* What became of a descriptor. */
struct oskit_dma_completion {
  oskit_u64_t cookie;     /* the descriptor's */
  oskit_u64_t bytes;      /* bytes written (0 unless status is 0) */
  oskit_u64_t fault_addr; /* status OSKIT_EFAULT: the start of the access that faulted */
  oskit_s32_t status;     /* 0; OSKIT_EFAULT; OSKIT_EINVAL (tables of different totals or an
                             entry of length 0); OSKIT_ECANCELED (OSKIT_DMA_DCMD_ABORT) */
  oskit_u32_t index;      /* the ring slot it held */
};

/* OSKIT_DMA_DCMD_SUBMIT's data: count descriptors; nbytes must be exactly
 * offsetof(desc) + count * sizeof(struct oskit_dma_desc). */
struct oskit_dma_submit {
  oskit_u32_t count; /* 1..OSKIT_DMA_SUBMIT_MAX */
  oskit_u32_t reserved;
  struct oskit_dma_desc desc[OSKIT_DMA_SUBMIT_MAX];
};

/* OSKIT_DMA_DCMD_REAP's data: up to max completions come back; nbytes must
 * be at least offsetof(completion) + max * sizeof(struct oskit_dma_completion).
 * A reap that waits returns once min completions wait, or once some do and
 * nothing else is queued or executing: waking a driver once for many
 * completions, as an engine's interrupt moderation does. min may exceed max:
 * the driver is woken for min and takes them max at a time. */
struct oskit_dma_reap {
  oskit_u32_t max;   /* in: 1..OSKIT_DMA_REAP_MAX */
  oskit_u32_t min;   /* in: 0..the ring's size; 0 means 1 */
  oskit_u32_t count; /* out */
  oskit_u32_t reserved;
  struct oskit_dma_completion completion[OSKIT_DMA_REAP_MAX];
};

/* What the engine is (OSKIT_DMA_DCMD_GETINFO). */
struct oskit_dma_engine_info {
  oskit_u32_t device;     /* the number its faults are reported under */
  oskit_u32_t ring_size;  /* slots */
  oskit_u32_t sg_max;     /* OSKIT_DMA_SG_MAX */
  oskit_u32_t submit_max; /* OSKIT_DMA_SUBMIT_MAX */
  oskit_u32_t reap_max;   /* OSKIT_DMA_REAP_MAX */
  oskit_u32_t space_mode; /* the space's OSKIT_DMA_MODE_* */
};

/* Control register bits (OSKIT_DMA_DCMD_SETCTRL). */
#define OSKIT_DMA_CTRL_ENABLE 0x1u /* execute queued descriptors; clear: hold them (from the next one) */

/* Status register bits. */
#define OSKIT_DMA_STATUS_ENABLED 0x1u /* the engine executes its ring */
#define OSKIT_DMA_STATUS_BUSY 0x2u    /* a batch of descriptors is executing now */

/* The engine's registers (OSKIT_DMA_DCMD_GETREGS). Totals count since creation. */
struct oskit_dma_engine_regs {
  oskit_u32_t ctrl;      /* OSKIT_DMA_CTRL_* as last set */
  oskit_u32_t status;    /* OSKIT_DMA_STATUS_* */
  oskit_u32_t queued;    /* descriptors submitted and not yet complete */
  oskit_u32_t completed; /* completions waiting to be reaped */
  oskit_u64_t submitted_total;
  oskit_u64_t completed_total;
  oskit_u64_t faults_total; /* completions with OSKIT_EFAULT */
  oskit_u64_t errors_total; /* completions with any other error */
  oskit_u64_t bytes_total;  /* bytes written by completed descriptors */
};

/* devctl commands (class 0xd1). Each fixed-size command needs nbytes equal to
 * its size (else OSKIT_EINVAL); a command word of another size or direction is
 * unknown (OSKIT_ENOTTY). */
#define OSKIT_DMA_DCMD_CLASS 0xd1u
/* Reads the oskit_dma_engine_info. */
#define OSKIT_DMA_DCMD_GETINFO OSKIT_DIOF(OSKIT_DMA_DCMD_CLASS, 1, struct oskit_dma_engine_info)
/* Reads the oskit_dma_engine_regs. */
#define OSKIT_DMA_DCMD_GETREGS OSKIT_DIOF(OSKIT_DMA_DCMD_CLASS, 2, struct oskit_dma_engine_regs)
/* Writes the control register (oskit_u32_t of OSKIT_DMA_CTRL_* bits; others:
 * OSKIT_EINVAL). The engine starts disabled. */
#define OSKIT_DMA_DCMD_SETCTRL OSKIT_DIOT(OSKIT_DMA_DCMD_CLASS, 3, oskit_u32_t)
/* Queues descriptors in order; *out_ret_val gets how many were taken (fewer
 * than count when the ring fills: submit the rest again). Waits for a free
 * slot, or OSKIT_EAGAIN under OSKIT_DEVCTL_F_NONBLOCK. OSKIT_EINVAL, with
 * nothing queued, for a bad count or size or any descriptor with an unknown
 * op, flags, a length of 0 or table counts out of range. */
#define OSKIT_DMA_DCMD_SUBMIT OSKIT_DIOT(OSKIT_DMA_DCMD_CLASS, 4, struct oskit_dma_submit)
/* Takes up to max completions in order, freeing their slots; count and
 * *out_ret_val say how many. Waits for min, or OSKIT_EAGAIN under
 * OSKIT_DEVCTL_F_NONBLOCK. OSKIT_EINVAL for a bad max, min or size. */
#define OSKIT_DMA_DCMD_REAP OSKIT_DIOTF(OSKIT_DMA_DCMD_CLASS, 5, struct oskit_dma_reap)
/* Completes every descriptor not yet started with OSKIT_ECANCELED, after the
 * one executing now, if any; *out_ret_val gets how many. */
#define OSKIT_DMA_DCMD_ABORT OSKIT_DION(OSKIT_DMA_DCMD_CLASS, 6)

struct oskit_dma_engine_options {
  oskit_u32_t device;    /* the number the engine's faults are reported under */
  oskit_u32_t ring_size; /* a power of two up to OSKIT_DMA_RING_MAX; 0: OSKIT_DMA_RING_DEFAULT */
  oskit_u32_t open_mode; /* OSKIT_DEVCTL_OPEN_* devctl checks commands against; 0: read and write */
};
typedef struct oskit_dma_engine_options oskit_dma_engine_options_t;

OSKIT_BEGIN_DECLS

/*
 * Creates an engine over space (NULL: the default space; the engine holds a
 * reference) and starts its worker. Returns 0 and the engine's devctl in
 * *out_devctl (query it for oskit_asyncio); OSKIT_E_POINTER; OSKIT_EINVAL for
 * a ring size that is not a power of two or too large, or unknown open mode
 * bits; OSKIT_ENOMEM (no memory, for the worker too); OSKIT_EAGAIN when the
 * environment refuses to start a thread.
 */
oskit_error_t oskit_dma_engine_create(oskit_dma_space_t *space, const oskit_dma_engine_options_t *options,
                                      oskit_devctl_t **out_devctl);

OSKIT_END_DECLS

#endif /* COMPONENTS_DMA_ENGINE_DMA_ENGINE_H */
