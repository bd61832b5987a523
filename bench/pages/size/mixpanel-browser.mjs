import mixpanel from 'mixpanel-browser';
mixpanel.init('token');
mixpanel.track('x');
