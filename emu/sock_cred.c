/*
 * sock_cred.c - the credentials an AF_UNIX socket reports of its peer (SO_PEERCRED) and those a
 * received SCM_CREDENTIALS message carries, as Linux 4.20 sets them (net/unix/af_unix.c's
 * init_peercred and copy_peercred, net/core/scm.c's scm_send), for sockets between guests.
 *
 * Every guest process is faultline to the host, so where the other end is a guest the host's
 * answer names faultline: its pid for every peer, and its own ids. A program that checks them
 * against the pid it forked saw a stranger (Chromium's zygote tracked every renderer under one
 * pid and died of "Already tracking PID"). So faultline keeps what Linux keeps, for each guest
 * AF_UNIX socket it made (a record hung on the socket's ofd):
 *  - socketpair: both ends report the creator;
 *  - listen: the listener reports its caller;
 *  - connect: the client reports the listener's credentials (what listen recorded), and the
 *    connection waits in the listener's queue with the client's; the accept that takes it (the
 *    host's queue is first in, first out too) gives the new socket the client's credentials.
 *    The listener is found by the address connected to: the socket file's device and inode, or
 *    the abstract name. A connection the host says came from elsewhere (its SO_PEERCRED pid is
 *    not faultline's) takes nothing from the queue.
 * A socket whose other end is outside the guest has no such credentials and reports the host's
 * answer, which is then right. A received SCM_CREDENTIALS naming faultline is given the
 * credentials of the guest that last sent through the other end, when both ends are guests'
 * (a pair, or a connection whose accept matched it): exact while one process sends on a
 * socket at a time, as the processes sharing one end usually take turns.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/fdtable.h"
#include "emu/proc.h"
#include "emu/sock.h"
#include "emu/sock_cred.h"

struct pending_conn {
    struct ucred cred;        /* the client's, at connect */
    struct sock_cred *client; /* its socket (a reference) */
    struct pending_conn *next;
};

struct sock_cred {
    int refs;               /* the ofd, and pending connections naming it as their client */
    struct sock_cred *pair; /* the other end, when both are guests' (not a reference) */
    bool has_peer, has_sent, has_from;
    struct ucred peer; /* what SO_PEERCRED reports */
    struct ucred sent; /* the guest that last sent through this end */
    struct ucred from; /* the guest that last sent through the other end, towards this one */
    /* the bound address, to find a listener from a connect: a path's socket file, or an
     * abstract name */
    bool bound_path, listening;
    dev_t dev;
    ino_t ino;
    socklen_t abstract_len;
    char abstract[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct pending_conn *queue, **queue_tail; /* listener: connects not accepted yet */
    struct sock_cred *next, **pprev;          /* every record, for the listener search */
};

static struct sock_cred *all;

static struct ucred creds_of(struct proc *p)
{
    uint32_t u[4], g[4];
    task_uids(p, u);
    task_gids(p, g);
    return (struct ucred){.pid = p->task.tgid, .uid = u[CRED_E], .gid = g[CRED_E]};
}

static struct sock_cred *record_new(struct ofd *o)
{
    struct sock_cred *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->refs = 1;
    s->queue_tail = &s->queue;
    s->next = all;
    if (all)
        all->pprev = &s->next;
    s->pprev = &all;
    all = s;
    o->sock_cred = s;
    return s;
}

static void record_put(struct sock_cred *s)
{
    if (--s->refs > 0)
        return;
    *s->pprev = s->next;
    if (s->next)
        s->next->pprev = s->pprev;
    if (s->pair)
        s->pair->pair = NULL;
    for (struct pending_conn *c = s->queue, *next; c; c = next) {
        next = c->next;
        record_put(c->client);
        free(c);
    }
    free(s);
}

bool sock_cred_new(struct ofd *o)
{
    return record_new(o) != NULL;
}

bool sock_cred_pair(struct proc *p, struct ofd *a, struct ofd *b)
{
    struct sock_cred *x = record_new(a), *y = x ? record_new(b) : NULL;
    if (!y)
        return false;
    x->pair = y;
    y->pair = x;
    x->has_peer = y->has_peer = true;
    x->peer = y->peer = creds_of(p); /* unix_socketpair's init_peercred of both */
    return true;
}

/* The socket file of a bound path (its device and inode), or an abstract name: what a connect
 * to addr reaches. false for an address that is neither. */
static bool address_key(const union fl_sockaddr *addr, socklen_t len, struct stat *st,
                        socklen_t *alen)
{
    size_t off = offsetof(struct sockaddr_un, sun_path);
    if (addr->sa.sa_family != AF_UNIX || len <= off)
        return false;
    *alen = 0;
    if (addr->un.sun_path[0]) {
        char path[sizeof(addr->un.sun_path) + 1];
        size_t n = len - off < sizeof(addr->un.sun_path) ? len - off : sizeof(addr->un.sun_path);
        memcpy(path, addr->un.sun_path, n);
        path[n] = 0;
        return stat(path, st) == 0 && S_ISSOCK(st->st_mode);
    }
    *alen = (socklen_t)(len - off);
    return true;
}

void sock_cred_bound(struct ofd *o, const union fl_sockaddr *addr, socklen_t len)
{
    struct sock_cred *s = o->sock_cred;
    struct stat st;
    socklen_t alen;
    if (!s || !address_key(addr, len, &st, &alen))
        return;
    s->bound_path = alen == 0;
    if (s->bound_path) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
    } else {
        s->abstract_len = alen;
        memcpy(s->abstract, addr->un.sun_path, alen);
    }
}

void sock_cred_listen(struct proc *p, struct ofd *o)
{
    struct sock_cred *s = o->sock_cred;
    if (!s)
        return;
    s->listening = true;
    s->has_peer = true;
    s->peer = creds_of(p); /* unix_listen's init_peercred, at every listen */
}

void sock_cred_connected(struct proc *p, struct ofd *o, const union fl_sockaddr *addr,
                         socklen_t len)
{
    struct sock_cred *s = o->sock_cred, *l = all;
    struct stat st;
    socklen_t alen;
    if (!s || !address_key(addr, len, &st, &alen))
        return;
    for (; l; l = l->next) {
        if (!l->listening || l == s)
            continue;
        if (alen ? !l->bound_path && l->abstract_len == alen &&
                       !memcmp(l->abstract, addr->un.sun_path, alen)
                 : l->bound_path && l->dev == st.st_dev && l->ino == st.st_ino)
            break;
    }
    if (!l)
        return; /* a listener outside the guest: the host's answers are right */
    struct pending_conn *c = malloc(sizeof(*c));
    if (!c)
        return;
    s->has_peer = true;
    s->peer = l->peer; /* unix_stream_connect's copy_peercred(sk, other) */
    *c = (struct pending_conn){.cred = creds_of(p), .client = s};
    s->refs++;
    *l->queue_tail = c;
    l->queue_tail = &c->next;
}

void sock_cred_accepted(struct ofd *l, struct ofd *n)
{
    struct sock_cred *ls = l->sock_cred;
    struct ucred host;
    socklen_t len = sizeof(host);
    if (!ls || !record_new(n))
        return;
    /* from a guest (a faultline thread connected it), the oldest of the guests' connects */
    if (!ls->queue || getsockopt(n->hostfd, SOL_SOCKET, SO_PEERCRED, &host, &len) ||
        host.pid != getpid())
        return;
    struct pending_conn *c = ls->queue;
    if (!(ls->queue = c->next))
        ls->queue_tail = &ls->queue;
    struct sock_cred *s = n->sock_cred;
    s->has_peer = true;
    s->peer = c->cred; /* the new socket's init_peercred, by the client at connect */
    if (c->client->refs > 1 && !c->client->pair) { /* still open, and not paired already */
        s->pair = c->client;
        c->client->pair = s;
    }
    /* what the client sent before the accept carries its credentials (it may be gone now) */
    s->has_from = c->client->has_sent;
    s->from = c->client->sent;
    record_put(c->client);
    free(c);
}

void sock_cred_sending(struct proc *p, struct ofd *o, const struct ucred *explicit)
{
    struct sock_cred *s = o->sock_cred;
    if (!s)
        return;
    s->has_sent = true;
    s->sent = explicit ? *explicit : creds_of(p); /* scm_send: the message's, or current's */
    if (s->pair) { /* kept by the receiving end, which may outlive this one */
        s->pair->has_from = true;
        s->pair->from = s->sent;
    }
}

bool sock_cred_peer(const struct ofd *o, struct ucred *u)
{
    const struct sock_cred *s = o->sock_cred;
    if (!s || !s->has_peer)
        return false;
    *u = s->peer;
    return true;
}

void sock_cred_received(const struct ofd *o, struct ucred *u)
{
    const struct sock_cred *s = o->sock_cred;
    if (u->pid == getpid() && s && s->has_from)
        *u = s->from;
}

void sock_cred_release(struct ofd *o)
{
    if (o->sock_cred)
        record_put(o->sock_cred);
    o->sock_cred = NULL;
}
