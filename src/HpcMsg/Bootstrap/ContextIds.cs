namespace HpcMsg;

/// <summary>
/// Context ids separate message spaces. Each communicator takes an even id for point-to-point and
/// the odd one after it for collectives. A new communicator's id is the maximum of its members'
/// next free ids (agreed collectively), which is unused in every member.
/// </summary>
internal static class ContextIds
{
    public const int World = 0;
    private static int s_nextFree = 2;

    public static int NextFree => Volatile.Read(ref s_nextFree);

    public static void MarkUsed(int context)
    {
        int next = context + 2;
        int seen;
        while ((seen = Volatile.Read(ref s_nextFree)) < next)
            Interlocked.CompareExchange(ref s_nextFree, next, seen);
    }
}
