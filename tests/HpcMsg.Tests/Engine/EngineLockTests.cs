using HpcMsg.Engine;

namespace HpcMsg.Tests.Engine;

/// <summary>The engine's spin lock: mutual exclusion under contention, and a clear error (not a hang)
/// when a path takes it twice on one thread (the check is compiled into Debug builds, which the tests use).</summary>
public sealed class EngineLockTests
{
    [Fact(Timeout = 60_000)]
    public async Task Holders_exclude_each_other_under_contention()
    {
        var gate = new EngineLock();
        long counter = 0; // a plain read-modify-write: any overlap of two holders loses increments
        const int PerThread = 200_000;
        Task[] workers = new Task[4];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < PerThread; i++)
                {
                    using (gate.EnterScope())
                    {
                        long seen = counter;
                        if ((i & 1023) == 0) Thread.Yield(); // a holder that loses its core mid-section
                        counter = seen + 1;
                    }
                }
            }, TaskCreationOptions.LongRunning);
        }
        await Task.WhenAll(workers);
        Assert.Equal(workers.Length * (long)PerThread, counter);
    }

#if DEBUG
    [Fact]
    public void Taking_it_twice_on_one_thread_fails_instead_of_spinning_forever()
    {
        var gate = new EngineLock();
        using (gate.EnterScope())
        {
            var e = Assert.Throws<InvalidOperationException>(() => { using (gate.EnterScope()) { } });
            Assert.Contains("not re-entrant", e.Message);
        }
        using (gate.EnterScope()) { } // released: free again
    }
#endif
}
