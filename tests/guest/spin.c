/* spin - a guest that never ends on its own: only faultline's limits (--timeout, --max-insns)
 * stop it. */
int main(void)
{
    for (volatile unsigned long i = 0;; i++)
        ;
}
