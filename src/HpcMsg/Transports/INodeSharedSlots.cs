namespace HpcMsg.Transports;

/// <summary>
/// Per-rank slots of memory that every rank of one node maps, offered by a transport that has such
/// memory (shared memory does, through its segment): node collectives write and read them between
/// two node barriers instead of sending messages. Collectives reach it through the engine
/// (<c>ProgressEngine.NodeSlots</c>), so that they name no particular transport.
/// </summary>
internal unsafe interface INodeSharedSlots
{
    /// <summary>Bytes in one slot: the largest payload of a node collective.</summary>
    public const int SlotBytes = 4096;

    /// <summary>Ranks of the node, one slot each.</summary>
    int Ranks { get; }

    /// <summary>The slot of local rank <paramref name="rank"/>, <see cref="SlotBytes"/> long.</summary>
    byte* Slot(int rank);
}
