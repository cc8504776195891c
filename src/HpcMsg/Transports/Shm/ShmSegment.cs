using System.IO.MemoryMappedFiles;
using HpcMsg.Internal;
using HpcMsg.Transports;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// The node's shared segment: a file in /dev/shm mapped by every local rank. hpcrun creates it
/// (so that it can always remove it, whatever happens to the ranks) and the ranks open it.
/// </summary>
internal sealed unsafe class ShmSegment : IDisposable, INodeSharedSlots
{
    public const string Directory = "/dev/shm";
    public const string FilePrefix = "hpcmsg-";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private bool _disposed;

    public byte* Base { get; }
    public int Size { get; }
    public int RingCapacity { get; }
    public string Path { get; }

    private ShmSegment(string path, MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        Path = path;
        _file = file;
        _view = view;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        Base = p + view.PointerOffset;
        if (*(long*)(Base + ShmLayout.MagicOffset) != ShmLayout.Magic)
            throw TransportException.Error($"shared segment {path} is not an HpcMsg segment (bad magic)");
        if (*(int*)(Base + ShmLayout.VersionOffset) != ShmLayout.Version)
            throw TransportException.Error($"shared segment {path} has layout version {*(int*)(Base + ShmLayout.VersionOffset)}, this library expects {ShmLayout.Version}");
        Size = *(int*)(Base + ShmLayout.SizeOffset);
        RingCapacity = (int)*(long*)(Base + ShmLayout.RingCapacityOffset);
    }

    /// <summary>The per-user, per-job file name; the euid keeps two users' jobs apart.</summary>
    public static string PathFor(string jobId) => $"{Directory}/{FilePrefix}{Native.geteuid()}-{jobId}";

    /// <summary>Creates, sizes, pre-faults and initializes a segment for <paramref name="np"/> ranks.
    /// Fails if the file exists: a stale file of another job is never reused.</summary>
    public static void Create(string path, int np)
    {
        if (np < 1) throw new ArgumentOutOfRangeException(nameof(np), np, "np must be at least 1");
        int cap = ShmLayout.RingCapacityFor(np);
        long total = ShmLayout.TotalBytes(np, cap);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(path, options))
        {
            fs.SetLength(total);
        }
        using var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using var view = mmf.CreateViewAccessor(0, total, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            p += view.PointerOffset;
            // Touch every page now: a first touch costs ~10 us per page, which must not land on a message.
            for (long off = 0; off < total; off += ShmLayout.PageSize) p[off] = 0;
            *(int*)(p + ShmLayout.VersionOffset) = ShmLayout.Version;
            *(int*)(p + ShmLayout.SizeOffset) = np;
            *(long*)(p + ShmLayout.RingCapacityOffset) = cap;
            *(long*)(p + ShmLayout.TotalBytesOffset) = total;
            Volatile.Write(ref *(long*)(p + ShmLayout.MagicOffset), ShmLayout.Magic);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    public static ShmSegment Open(string path)
    {
        if (!File.Exists(path))
            throw TransportException.Error($"shared segment {path} does not exist (was the job started by hpcrun, and is it still running?)");
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        return new ShmSegment(path, file, view);
    }

    public static void Remove(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public int* JobState => (int*)(Base + ShmLayout.JobStateOffset);

    /// <summary>The published job state; waits out the instant between claim and publish.</summary>
    public int ReadJobState()
    {
        int state;
        var spin = new SpinWait();
        while ((state = Volatile.Read(ref *JobState)) == ShmLayout.JobEnding) spin.SpinOnce();
        return state;
    }
    public int* FailedRank => (int*)(Base + ShmLayout.FailedRankOffset);
    public int* ExitCode => (int*)(Base + ShmLayout.ExitCodeOffset);
    public int* BarrierGeneration => (int*)(Base + ShmLayout.BarrierGenerationOffset);

    public byte* RankControl(int rank) => Base + ShmLayout.RankControlOffset(rank);
    public int* WakeWord(int rank) => (int*)(RankControl(rank) + ShmLayout.WakeWordOffset);
    public int* Sleeping(int rank) => (int*)(RankControl(rank) + ShmLayout.SleepingOffset);
    public int* Pid(int rank) => (int*)(RankControl(rank) + ShmLayout.PidOffset);
    public int* Ready(int rank) => (int*)(RankControl(rank) + ShmLayout.ReadyOffset);
    public int* Finalized(int rank) => (int*)(RankControl(rank) + ShmLayout.FinalizedOffset);
    public int* AbandonedSends(int rank) => (int*)(RankControl(rank) + ShmLayout.AbandonedSendsOffset);
    public int* BarrierArrival(int rank) => (int*)(RankControl(rank) + ShmLayout.BarrierArrivalOffset);
    public int* BarrierRounds(int rank) => (int*)(RankControl(rank) + ShmLayout.BarrierRoundsOffset);

    public int* DoorbellArmed(int rank) => (int*)(RankControl(rank) + ShmLayout.DoorbellArmedOffset);

    /// <summary>The wake word and sleeper count of local rank <paramref name="rank"/>.</summary>
    public WakeSignal Signal(int rank) => new(WakeWord(rank), Sleeping(rank));

    /// <summary>For hpcrun: a rank that joined (Init) but exited without finalizing left its peers
    /// waiting for it, even if its exit code was 0.</summary>
    public static bool JoinedButNotFinalized(string path, int rank)
    {
        try
        {
            using var seg = Open(path);
            if ((uint)rank >= (uint)seg.Size) return false;
            return Volatile.Read(ref *seg.Ready(rank)) != 0 && Volatile.Read(ref *seg.Finalized(rank)) == 0;
        }
        catch (Exception e) when (e is IOException or TransportException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    int INodeSharedSlots.Ranks => Size;
    byte* INodeSharedSlots.Slot(int rank) => CollectiveSlot(rank);

    public byte* CollectiveSlot(int rank) => Base + ShmLayout.CollectiveSlotsBase(Size) + (long)ShmLayout.CollectiveSlotBytes * rank;

    public byte* Ring(int src, int dst) => Base + ShmLayout.RingOffset(Size, RingCapacity, src, dst);

    /// <summary>Records that the job is ending (a rank failed or aborted) and wakes every sleeping
    /// rank so that blocked calls throw instead of hanging. The first writer wins.</summary>
    public void MarkJobEnding(int state, int rank, int exitCode)
    {
        // Claim, fill in who and why, then publish: a reader never sees a state without its code.
        if (Interlocked.CompareExchange(ref *JobState, ShmLayout.JobEnding, ShmLayout.JobRunning) == ShmLayout.JobRunning)
        {
            Volatile.Write(ref *FailedRank, rank);
            Volatile.Write(ref *ExitCode, exitCode);
            Volatile.Write(ref *JobState, state);
        }
        WakeAll();
    }

    public void WakeAll()
    {
        System.Net.Sockets.Socket? ringer = null;
        for (int r = 0; r < Size; r++)
        {
            Interlocked.Increment(ref *WakeWord(r));
            Native.FutexWakeAll(WakeWord(r));
            // A rank waiting on its sockets too: its doorbell ends that wait (see Doorbell).
            if (Volatile.Read(ref *DoorbellArmed(r)) != 0) Doorbell.Ring(ringer ??= Doorbell.NewRinger(), Doorbell.Address(Path, r));
        }
        ringer?.Dispose();
    }

    /// <summary>For hpcrun: flags a failure in an existing segment file, if it is still there.</summary>
    public static void TryMarkJobEnding(string path, int state, int rank, int exitCode)
    {
        try
        {
            using var seg = Open(path);
            seg.MarkJobEnding(state, rank, exitCode);
        }
        catch (Exception e) when (e is IOException or TransportException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
