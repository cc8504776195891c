using System.Reflection;
using HpcMsg.Benchmarks.Osu.Suite;

namespace HpcMsg.Benchmarks.Osu;

/// <summary>The suite's operations on HpcMsg, each the one public call a user would write.</summary>
internal readonly struct HpcMsgPeer(Communicator world) : IOsuPeer
{
    private readonly Request[] _requests = new Request[2 * SuiteSpec.Window];

    public int Rank => world.Rank;
    public int Size => world.Size;

    public string Implementation =>
        "HpcMsg " + (typeof(Communicator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?");

    public void Send(byte[] data, int dest, int tag) => world.Send<byte>(data, dest, tag);
    public void Recv(byte[] data, int source, int tag) => world.Recv<byte>(data, source, tag);
    public void ISend(int slot, byte[] data, int dest, int tag) => _requests[slot] = world.ISend(data, dest, tag);
    public void IRecv(int slot, byte[] data, int source, int tag) => _requests[slot] = world.IRecv(data, source, tag);

    public void WaitAll(int count)
    {
        for (int i = 0; i < count; i++) _requests[i].Wait();
    }

    public void Barrier() => world.Barrier();
    public void Bcast(byte[] data, int root) => world.Broadcast<byte>(data, root);
    public void Reduce(float[] send, float[] recv, int root) => world.Reduce<float>(send, recv, Op.Sum, root);
    public void Allreduce(float[] send, float[] recv) => world.Allreduce<float>(send, recv, Op.Sum);
    public void Scatter(byte[] send, byte[] recv, int root) => world.Scatter<byte>(send, recv, root);
    public void Gather(byte[] send, byte[] recv, int root) => world.Gather<byte>(send, recv, root);
    public void Allgather(byte[] send, byte[] recv) => world.Allgather<byte>(send, recv);
    public void Alltoall(byte[] send, byte[] recv) => world.Alltoall<byte>(send, recv);

    public bool BroadcastFlag(bool flag, int root) => world.Broadcast(flag ? 1 : 0, root) != 0;
    public double SumToRoot(double value) => world.Reduce(value, Op.Sum, 0);
}
