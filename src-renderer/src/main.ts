import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { makeI18n } from './i18n';
import './lib/charts';
import './styles.css';

createApp(App).use(createPinia()).use(makeI18n()).mount('#app');
