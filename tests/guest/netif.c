/*
 * netif - a network interface's settings through the socket ioctls ifconfig, `ip` and
 * if_nametoindex use: SIOCGIFCONF (the list), SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS,
 * SIOCGIFMTU, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFHWADDR on the loopback interface, and a bad
 * name. Prints what it finds; the same natively and under faultline (the host's interfaces).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int req(int s, unsigned long r, struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
    return ioctl(s, r, ifr) == 0 ? 0 : errno;
}

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr, list[64];
    struct ifconf ifc = {.ifc_len = sizeof(list), .ifc_req = list};

    if (s < 0)
        return 2;
    int r = ioctl(s, SIOCGIFCONF, &ifc);
    int lo = 0;
    for (int i = 0; r == 0 && i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
        lo |= !strcmp(list[i].ifr_name, "lo");
    printf("SIOCGIFCONF: %d, lo listed: %s\n", r, lo ? "yes" : "no");
    struct ifconf len_only = {.ifc_len = 0, .ifc_buf = NULL};
    r = ioctl(s, SIOCGIFCONF, &len_only);
    printf("SIOCGIFCONF without a buffer: %d, the same length: %s\n", r,
           len_only.ifc_len == ifc.ifc_len ? "yes" : "no");

    int err = req(s, SIOCGIFINDEX, &ifr, "lo");
    int index = ifr.ifr_ifindex;
    printf("SIOCGIFINDEX lo: %d, the same as if_nametoindex: %s\n", err,
           index == (int)if_nametoindex("lo") ? "yes" : "no");
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = index;
    err = ioctl(s, SIOCGIFNAME, &ifr) == 0 ? 0 : errno;
    printf("SIOCGIFNAME %d: %d %s\n", index > 0, err, ifr.ifr_name);
    err = req(s, SIOCGIFFLAGS, &ifr, "lo");
    printf("SIOCGIFFLAGS lo: %d, loopback %d, up %d\n", err, !!(ifr.ifr_flags & IFF_LOOPBACK),
           !!(ifr.ifr_flags & IFF_UP));
    err = req(s, SIOCGIFMTU, &ifr, "lo");
    printf("SIOCGIFMTU lo: %d, mtu %d\n", err, ifr.ifr_mtu);
    err = req(s, SIOCGIFADDR, &ifr, "lo");
    printf("SIOCGIFADDR lo: %d, %s\n", err,
           inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
    err = req(s, SIOCGIFNETMASK, &ifr, "lo");
    printf("SIOCGIFNETMASK lo: %d, %s\n", err,
           inet_ntoa(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr));
    err = req(s, SIOCGIFHWADDR, &ifr, "lo");
    printf("SIOCGIFHWADDR lo: %d, family %d\n", err, ifr.ifr_hwaddr.sa_family);
    err = req(s, SIOCGIFFLAGS, &ifr, "no-such-if0");
    printf("SIOCGIFFLAGS of no interface: %s\n", err == ENODEV ? "ENODEV" : strerror(err));
    close(s);
    return 0;
}
