/*
 * sock_cred.h - the credentials of the guest at the other end of an AF_UNIX socket: what
 * SO_PEERCRED reports and what a received SCM_CREDENTIALS message carries, where the host would
 * name faultline itself (emu/sock_cred.c says how they are found).
 */
#ifndef FL_SOCK_CRED_H
#define FL_SOCK_CRED_H

#include <stdbool.h>
#include <sys/socket.h>

struct proc;
struct ofd;
union fl_sockaddr;

/* A guest made an AF_UNIX socket (socket) or pair (socketpair: both ends report the creator).
 * false: out of memory (the socket works, reporting what the host says). */
bool sock_cred_new(struct ofd *o);
bool sock_cred_pair(struct proc *p, struct ofd *a, struct ofd *b);
/* bind succeeded with this host address (a path bound on the host, or an abstract name). */
void sock_cred_bound(struct ofd *o, const union fl_sockaddr *addr, socklen_t len);
/* listen succeeded: the socket reports its caller (init_peercred). */
void sock_cred_listen(struct proc *p, struct ofd *o);
/* connect to this host address succeeded: if a guest listens there, the client reports the
 * listener's credentials and the connection waits in the listener's queue for its accept. */
void sock_cred_connected(struct proc *p, struct ofd *o, const union fl_sockaddr *addr,
                         socklen_t len);
/* accept on listener `l` returned `n`: n reports the guest that connected, if one did. */
void sock_cred_accepted(struct ofd *l, struct ofd *n);
/* A guest sends through o (write, send*): the credentials a message from it carries, its own
 * or those it put in the message (explicit: SCM_CREDENTIALS, checked; NULL: none). */
void sock_cred_sending(struct proc *p, struct ofd *o, const struct ucred *explicit);
/* getsockopt(SO_PEERCRED) when faultline knows the peer: true and *u filled. */
bool sock_cred_peer(const struct ofd *o, struct ucred *u);
/* A received SCM_CREDENTIALS *u that names faultline (a guest sent it): the guest that sent
 * through the other end last, when known. */
void sock_cred_received(const struct ofd *o, struct ucred *u);
/* The ofd that held o's record is going (its host socket closes). */
void sock_cred_release(struct ofd *o);

#endif
