namespace HpcRun;

/// <summary>One host the user named (in a hostfile or with --host): how many ranks it takes before the
/// hosts are oversubscribed (<paramref name="Slots"/>), and the most it ever takes, even with
/// --oversubscribe (<paramref name="MaxSlots"/>, a hostfile's <c>max_slots=</c>; null: no bound).</summary>
internal sealed record HostSpec(string Name, int Slots, int? MaxSlots = null)
{
    /// <summary>The same host listed again: its slots add up (as Open MPI and MPICH read a repeated
    /// line), and so do the bounds when both entries have one; an entry without one leaves it unbounded.</summary>
    public HostSpec Plus(HostSpec again) =>
        new(Name, Slots + again.Slots, MaxSlots is int a && again.MaxSlots is int b ? a + b : null);
}
