using System.Globalization;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Connections open on first use: every rank exchanges messages with one partner only, rank
/// (rank + size/2) mod size, both sending at once (so that the two dial each other at the same
/// moment), eager and large messages over several rounds, in order. Then each rank prints
/// "CONNECTIONS rank=R peers=P,.. established=E": the peers on other hosts its engine holds a
/// connection to, and the TCP sockets of this process that the kernel lists as established (the
/// rendezvous lifeline plus one per peer), so that a test checks that nothing else was opened.
/// Needs an even number of ranks, and hosts that the partners' links join (see the end).
/// </summary>
internal sealed class NeighbourScenario : IScenario
{
    private const int Rounds = 20;

    public string Name => "neighbour";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        Check.True(world.Size % 2 == 0, "neighbour needs an even number of ranks");
        int partner = (world.Rank + world.Size / 2) % world.Size;
        foreach (int bytes in (int[])[8, 200_000])
        {
            var outgoing = new byte[bytes];
            var incoming = new byte[bytes];
            for (int round = 0; round < Rounds; round++)
            {
                Patterns.Fill(outgoing, world.Rank * 1000 + round);
                Request r = world.IRecv<byte>(incoming, partner, round);
                Request s = world.ISend<byte>(outgoing, partner, round);
                Request.WaitAll(r, s);
                Patterns.Verify(incoming, partner * 1000 + round, $"round {round} of {bytes} bytes from rank {partner}");
            }
        }
        // A dial that lost to the partner's crossing one closes a moment later: wait for that.
        (int[] peers, bool opening) = world.Engine.TcpConnectedPeers();
        int established = TcpSockets.Established();
        for (int i = 0; i < 500 && (opening || established != peers.Length + 1); i++)
        {
            Thread.Sleep(10);
            (peers, opening) = world.Engine.TcpConnectedPeers();
            established = TcpSockets.Established();
        }
        // Counted; now no rank may go on to finalize (whose barrier talks to other ranks, opening
        // connections) before every rank has counted. A barrier would open them too: instead, as many
        // rounds as ranks of "counted" to the neighbours this rank already talks to (the partner, and
        // the ranks of its host over shared memory), which reaches every rank when those links join
        // all hosts (as with 2 ranks on each of 3 hosts: 0-3-2-5-4-1-0).
        int[] neighbours = [partner, .. Enumerable.Range(0, world.Size).Where(r => r != world.Rank && world.Engine.SharesHost(r))];
        var token = new int[neighbours.Length];
        for (int round = 0; round < world.Size; round++)
        {
            var requests = new List<Request>();
            for (int i = 0; i < neighbours.Length; i++)
            {
                requests.Add(world.IRecv<int>(token.AsMemory(i, 1), neighbours[i], 10_000 + round));
                requests.Add(world.ISend<int>(new[] { round }, neighbours[i], 10_000 + round));
            }
            Request.WaitAll([.. requests]);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CONNECTIONS rank={world.Rank} peers={string.Join(',', peers)} established={established}"));
        return Task.CompletedTask;
    }
}
