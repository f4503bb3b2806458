/*
 * ethtool_ioctl - SIOCETHTOOL on a socket (dev_ethtool): libpcap asks ETHTOOL_GET_TS_INFO of the
 * interface it captures on, and tcpdump -i lo under faultline failed with "SIOCETHTOOL
 * (ETHTOOL_GET_TS_INFO) ioctl failed: Inappropriate ioctl for device" until 2026-12-07. The
 * request's struct ifreq holds a pointer (ifr_data) to a buffer that starts with the ethtool
 * command, so its size depends on that command. Asked of lo: the timestamping capabilities, the
 * link state, the offload flags, an unknown command and a setting lo lacks (EOPNOTSUPP), an
 * interface that does not exist (ENODEV), a bad ifr_data (EFAULT).
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int s;

static void ask(const char *what, const char *ifname, void *data, size_t n)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = data;
    int r = ioctl(s, SIOCETHTOOL, &ifr);
    printf("%s: %d%s%s", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
    if (r == 0 && data) {
        const uint32_t *w = data;
        for (size_t i = 0; i < n / 4; i++)
            printf(" %#x", w[i]);
    }
    printf("\n");
}

int main(void)
{
    s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    struct ethtool_ts_info ts = {.cmd = ETHTOOL_GET_TS_INFO};
    ask("GET_TS_INFO lo", "lo", &ts, sizeof(ts));
    struct ethtool_value v = {.cmd = ETHTOOL_GLINK};
    ask("GLINK lo", "lo", &v, sizeof(v));
    static const uint32_t gets[] = {ETHTOOL_GRXCSUM, ETHTOOL_GTXCSUM, ETHTOOL_GSG,   ETHTOOL_GTSO,
                                    ETHTOOL_GGSO,    ETHTOOL_GGRO,    ETHTOOL_GFLAGS};
    for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
        char what[32];
        v = (struct ethtool_value){.cmd = gets[i], .data = 0xdeadbeef};
        snprintf(what, sizeof(what), "cmd %#x lo", gets[i]);
        ask(what, "lo", &v, sizeof(v));
    }
    v = (struct ethtool_value){.cmd = 0x7fff};
    ask("unknown command lo", "lo", &v, sizeof(v));
    v = (struct ethtool_value){.cmd = ETHTOOL_SMSGLVL, .data = 1};
    ask("SMSGLVL lo", "lo", &v, sizeof(v));
    v = (struct ethtool_value){.cmd = ETHTOOL_GLINK};
    ask("GLINK nosuchif0", "nosuchif0", &v, sizeof(v));
    ask("GLINK bad ifr_data", "lo", (void *)8, 0);
    close(s);
    return 0;
}
