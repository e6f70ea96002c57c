#include <iostream>
#include <map>
using namespace std;

int main() {
    int n;
    cin >> n;
    map<int, int> count;
    for (int i = 0; i < n; i++) {
        int x;
        cin >> x;
        count[x]++;
    }
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int x;
        cin >> x;
        cout << count[x] << endl;
    }
    return 0;
}
