/*
 * getsockopt_in - getsockopt options whose optval is read as well as written: PACKET_HDRLEN
 * takes the TPACKET version in optval and answers with that version's header length (libpcap
 * asks it of every version before it sets up its capture ring). faultline passed the host a
 * buffer of its own without the guest's value, so every version was EINVAL and tcpdump -i lo
 * said "Kernel doesn't support TPACKET_V2" until 2026-12-07. Also an output-only option asked
 * with a buffer longer than the mapping it ends in (Linux writes only the int it has), and
 * PACKET_HDRLEN with a short optlen (EINVAL).
 *
 * First, on a TCP socket (no privilege needed): SO_TYPE into a fresh page is one page fault,
 * the kernel's write of the int (Linux does not read optval for it); faultline read the whole
 * optval first, a read fault that mapped the zero page and then a copy-on-write fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

int main(void)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    int *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t >= 0 && fresh != MAP_FAILED) {
        socklen_t flen = 64;
        long before = minflt();
        long after = minflt(); /* the same calls once more: their own pages are in */
        before = minflt();
        int fr = getsockopt(t, SOL_SOCKET, SO_TYPE, fresh, &flen);
        after = minflt();
        printf("SO_TYPE into a fresh page: %d -> %d (len %u), %ld page fault(s)\n", fr, *fresh,
               (unsigned)flen, after - before);
        close(t);
    }
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (s < 0) {
        printf("socket: %s\n", strerror(errno));
        return 0;
    }
    static const int versions[] = {TPACKET_V1, TPACKET_V2, TPACKET_V3, 7};
    for (unsigned i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        int v = versions[i];
        socklen_t len = sizeof(v);
        int r = getsockopt(s, SOL_PACKET, PACKET_HDRLEN, &v, &len);
        printf("PACKET_HDRLEN version %d: %d %s -> %d (len %u)\n", versions[i], r,
               r < 0 ? strerror(errno) : "", r < 0 ? -1 : v, (unsigned)len);
    }
    short sv = TPACKET_V2;
    socklen_t slen = sizeof(sv);
    int r = getsockopt(s, SOL_PACKET, PACKET_HDRLEN, &sv, &slen);
    printf("PACKET_HDRLEN short optlen: %d %s\n", r, r < 0 ? strerror(errno) : "");

    /* SO_TYPE into the last 4 bytes of a page followed by nothing, optlen 64 */
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + 4096, 4096);
    int *last = (int *)(m + 4096 - 4);
    socklen_t len = 64;
    r = getsockopt(s, SOL_SOCKET, SO_TYPE, last, &len);
    printf("SO_TYPE at a mapping's end: %d %s -> %d (len %u)\n", r, r < 0 ? strerror(errno) : "",
           r < 0 ? -1 : *last, (unsigned)len);
    close(s);
    return 0;
}
