using HpcMsg.Benchmarks.Osu.Suite;
using MPI;

namespace HpcMsg.Benchmarks.MpiNet;

/// <summary>
/// The suite's operations on MPI.NET, each the call its documentation shows for arrays of a
/// primitive type: those go straight to the MPI function with the array pinned (no serialization).
/// The flattened collectives are MPI.NET's array forms (it implements them with the v-variants).
/// </summary>
internal readonly struct MpiNetPeer(Intracommunicator world, string implementation) : IOsuPeer
{
    private readonly Request[] _requests = new Request[2 * SuiteSpec.Window];
    private readonly Intracommunicator _world = world;

    public int Rank => _world.Rank;
    public int Size => _world.Size;
    public string Implementation => implementation;

    public void Send(byte[] data, int dest, int tag) => _world.Send(data, dest, tag);

    public void Recv(byte[] data, int source, int tag)
    {
        byte[] into = data;
        _world.Receive(source, tag, ref into);
    }

    public void ISend(int slot, byte[] data, int dest, int tag) => _requests[slot] = _world.ImmediateSend(data, dest, tag);
    public void IRecv(int slot, byte[] data, int source, int tag) => _requests[slot] = _world.ImmediateReceive(source, tag, data);

    public void WaitAll(int count)
    {
        for (int i = 0; i < count; i++) _requests[i].Wait();
    }

    public void Barrier() => _world.Barrier();

    public void Bcast(byte[] data, int root)
    {
        byte[] values = data;
        _world.Broadcast(ref values, root);
    }

    public void Reduce(float[] send, float[] recv, int root)
    {
        float[] result = recv;
        _world.Reduce(send, Operation<float>.Add, root, ref result);
    }

    public void Allreduce(float[] send, float[] recv)
    {
        float[] result = recv;
        _world.Allreduce(send, Operation<float>.Add, ref result);
    }

    public void Scatter(byte[] send, byte[] recv, int root)
    {
        byte[] result = recv;
        _world.ScatterFromFlattened(send, recv.Length, root, ref result);
    }

    public void Gather(byte[] send, byte[] recv, int root)
    {
        byte[] result = recv;
        _world.GatherFlattened(send, root, ref result);
    }

    public void Allgather(byte[] send, byte[] recv)
    {
        byte[] result = recv;
        _world.AllgatherFlattened(send, send.Length, ref result);
    }

    public void Alltoall(byte[] send, byte[] recv)
    {
        byte[] result = recv;
        _world.AlltoallFlattened(send, recv.Length / Size, ref result);
    }

    public bool BroadcastFlag(bool flag, int root)
    {
        int value = flag ? 1 : 0;
        _world.Broadcast(ref value, root);
        return value != 0;
    }

    public double SumToRoot(double value) => _world.Reduce(value, Operation<double>.Add, 0);
}
